// Runs the recipes of docs/clients.md, and README.md's example queries, against a real
// reegraph (target/debug/reegraph, started here on a free 127.0.0.1 port with data/).
// Run by scripts/clients/run (`node --test`).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import * as plain from "./recipes/fetch.mjs";
import * as apollo from "./recipes/apollo.mjs";
import * as urql from "./recipes/urql.mjs";
import { gql } from "@apollo/client/core/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
let server;
let endpoint;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

before(async () => {
  const port = await freePort();
  const bin = join(root, "target", "debug", "reegraph");
  server = spawn(bin, ["serve", "--bind", `127.0.0.1:${port}`, "--data", join(root, "data")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  // The server's log is shown only if it fails to start (it would clutter the TAP output).
  let log = "";
  server.stderr.on("data", (chunk) => {
    log += chunk;
  });
  endpoint = `http://127.0.0.1:${port}/graphql`;
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`reegraph exited with ${server.exitCode}:\n${log}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`reegraph did not answer /healthz within 30 s; its log:\n${log}`);
});

after(() => server?.kill());

// --- The guide shows exactly the recipe files: each fenced block that follows a
// `<!-- recipe: PATH -->` marker in docs/clients.md must equal that file.
test("docs/clients.md shows the recipe files verbatim", () => {
  const guide = readFileSync(join(root, "docs", "clients.md"), "utf8");
  const marked = [...guide.matchAll(/<!-- recipe: (\S+) -->\n```\w*\n([\s\S]*?)```\n/g)];
  const shown = new Set(marked.map((m) => m[1]));
  for (const file of [
    "recipes/fetch.mjs",
    "recipes/apollo.mjs",
    "recipes/urql.mjs",
    "recipes/typed/graphql.ts",
    "recipes/typed/query.ts",
    "tsconfig.json",
  ]) {
    assert.ok(shown.has(file), `docs/clients.md does not show ${file}`);
  }
  for (const [, file, code] of marked) {
    assert.equal(code, readFileSync(join(here, file), "utf8"), `docs/clients.md's copy of ${file} differs: run node scripts/clients/sync-docs.mjs`);
  }
});

test("fetch: POST answers data, and a field error comes with data and a code", async () => {
  const ok = await plain.post(endpoint, "{ entity(id: $id) { name } }".replace("$id", '"mineral:scandium"'));
  assert.equal(ok.status, 200);
  assert.deepEqual(ok.data, { entity: { name: "Scandium" } });
  const bad = await plain.post(endpoint, 'query($a: String) { entities(first: 1, after: $a) { totalCount } }', {
    a: "garbage",
  });
  assert.equal(bad.status, 200);
  assert.equal(bad.data, null);
  assert.equal(bad.errors[0].extensions.code, "BAD_USER_INPUT");
  assert.deepEqual(bad.errors[0].path, ["entities"]);
});

test("fetch: GET carries an ETag and Cache-Control, and If-None-Match answers 304", async () => {
  const query = "{ stats { entities relations } }";
  const first = await plain.getWithEtag(endpoint, query);
  assert.equal(first.status, 200);
  assert.match(first.etag, /^"[^"]+"$/);
  assert.ok(first.body.data.stats.entities > 0);
  const again = await plain.getWithEtag(endpoint, query, first.etag);
  assert.equal(again.status, 304);
  const raw = await fetch(`${endpoint}?query=${encodeURIComponent(query)}`);
  assert.equal(raw.headers.get("cache-control"), "public, max-age=60");
});

test("fetch: automatic persisted query round trip", async () => {
  const query = `{ entity(id: "mineral:scandium") { id kind } } # apq ${Date.now()}`;
  const { first, body } = await plain.persisted(endpoint, query);
  assert.equal(first, "PERSISTED_QUERY_NOT_FOUND");
  assert.deepEqual(body.data, { entity: { id: "mineral:scandium", kind: "MINERAL" } });
});

test("Apollo: possibleTypes keep `... on Entity { name }`; without them the names are dropped", async () => {
  const possibleTypes = await apollo.fetchPossibleTypes(endpoint);
  assert.ok(possibleTypes.Entity.includes("Standard"));
  const client = apollo.makeClient(endpoint, possibleTypes);
  const { data } = await client.query({ query: apollo.STANDARDS_OF_MAGNETS });
  const codes = data.related.map((r) => r.entity.code).filter(Boolean);
  assert.ok(codes.includes("GB/T 13560-2017"), `codes: ${JSON.stringify(codes)}`);
  const sintered = data.related.find((r) => r.entity.code === "GB/T 13560-2017");
  assert.equal(sintered.entity.name, "GB/T 13560-2017 Sintered NdFeB permanent magnets");

  // The warning in the guide, checked: the same query without possibleTypes loses the names
  // (`... on Entity`), while `... on Standard` (the exact __typename) still matches.
  const naive = apollo.makeClient(endpoint, {});
  const silenced = console.error;
  const silencedWarn = console.warn;
  console.error = console.warn = () => {};
  let naiveNames;
  let naiveCodes;
  try {
    const res = await naive.query({ query: apollo.STANDARDS_OF_MAGNETS, errorPolicy: "all" });
    naiveNames = res.data.related.map((r) => r.entity.name);
    naiveCodes = res.data.related.map((r) => r.entity.code).filter(Boolean);
  } finally {
    console.error = silenced;
    console.warn = silencedWarn;
  }
  assert.deepEqual(naiveNames, [undefined, undefined, undefined, undefined, undefined]);
  assert.deepEqual(naiveCodes, codes);
});

test("Apollo: relayStylePagination merges two pages of a connection", async () => {
  const client = apollo.makeClient(endpoint, await apollo.fetchPossibleTypes(endpoint));
  const page1 = await client.query({ query: apollo.MINERALS });
  const edges1 = page1.data.entities.edges;
  assert.equal(edges1.length, 3);
  assert.equal(page1.data.entities.pageInfo.hasNextPage, true);
  // network-only: with relayStylePagination the cache would answer the second page from the
  // first (as `fetchMore` in a component does not).
  await client.query({
    query: apollo.MINERALS,
    variables: { after: page1.data.entities.pageInfo.endCursor },
    fetchPolicy: "network-only",
  });
  const merged = client.readQuery({ query: apollo.MINERALS });
  const ids = merged.entities.edges.map((e) => e.node.id);
  assert.equal(ids.length, 6);
  assert.equal(new Set(ids).size, 6);
  assert.deepEqual(ids.slice(0, 3), edges1.map((e) => e.node.id));
});

test("Apollo: relayStylePagination inherited from Entity merges an entity's relations pages", async () => {
  const client = apollo.makeClient(endpoint, await apollo.fetchPossibleTypes(endpoint));
  const id = "mineral:dysprosium";
  const page1 = await client.query({ query: apollo.RELATIONS, variables: { id } });
  const first = page1.data.entity.relations;
  assert.equal(first.edges.length, 2);
  await client.query({
    query: apollo.RELATIONS,
    variables: { id, after: first.pageInfo.endCursor },
    fetchPolicy: "network-only",
  });
  const merged = client.readQuery({ query: apollo.RELATIONS, variables: { id } }).entity.relations;
  const cursors = merged.edges.map((e) => e.cursor);
  assert.equal(new Set(cursors).size, 4, JSON.stringify(cursors));
  assert.deepEqual(merged.edges.slice(0, 2), first.edges);
});

test("Apollo: automatic persisted queries, GET by hash, then the text once, then the hash alone", async () => {
  const seen = [];
  const logged = async (url, init) => {
    const res = await fetch(url, init);
    seen.push(`${init.method} ${init.body ? "text" : "hash"} ${res.status}`);
    return res;
  };
  const query = gql`query ApqStats { stats { entities relations } }`;
  const first = await apollo.makePersistedClient(endpoint, logged).query({ query });
  assert.ok(first.data.stats.entities > 0);
  const second = await apollo.makePersistedClient(endpoint, logged).query({ query });
  assert.deepEqual(second.data, first.data);
  assert.deepEqual(seen, ["GET hash 400", "POST text 200", "GET hash 200"]);
});

test("urql: a GET query gets data; an error arrives as result.error with its code", async () => {
  const client = urql.makeClient(endpoint);
  const result = await client.query(urql.SEARCH, { text: "scandium" }).toPromise();
  assert.equal(result.error, undefined);
  assert.equal(result.data.search[0].entity.id, "mineral:scandium");
  const refused = await client.query(urql.SEARCH.loc.source.body.replace("first: 3", "first: 500"), { text: "x" }).toPromise();
  assert.equal(refused.error.graphQLErrors[0].extensions.code, "LIMIT_EXCEEDED");
});

test("codegen: gql.tada's types from schema/reegraph.graphql type-check the typed query", () => {
  const tsc = join(here, "node_modules", ".bin");
  // Regenerate from the committed SDL (offline), then type-check; fails on any type error,
  // including an `@ts-expect-error` that no longer catches a wrong field.
  execFileSync(join(tsc, "gql-tada"), ["generate", "output"], { cwd: here, stdio: "pipe" });
  execFileSync(join(tsc, "tsc"), ["-p", "tsconfig.json"], { cwd: here, stdio: "pipe" });
});

// --- README.md's example answers are what the server returns.
const readme = () => readFileSync(join(root, "README.md"), "utf8");
const fenced = (text, lang) => [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].filter((m) => m[1] === lang).map((m) => m[2]);

test("README: the first example's abridged lines are the real answer, line for line", async () => {
  const text = readme();
  const query = fenced(text, "graphql")[0];
  const shown = text.split(query)[1].slice(3).match(/```\n([\s\S]*?)```/)[1].trimEnd().split("\n");
  const { data, errors } = await plain.post(endpoint, query);
  assert.equal(errors, undefined);
  const real = data.related.map((r) => {
    const code = (r.entity.code ?? "(no code)").padEnd(17);
    return `${r.distance}  ${code}${r.path.explanation}`;
  });
  assert.deepEqual(shown, real);
});

test("README: the directive example shows exactly data.entity", async () => {
  const text = readme();
  const query = fenced(text, "graphql")[1];
  const shown = JSON.parse(fenced(text, "json")[0]);
  const { data, errors } = await plain.post(endpoint, query);
  assert.equal(errors, undefined);
  assert.deepEqual(data.entity, shown);
});

// --- The guide's status and error-code tables, request by request. Every code in the
// "Error codes" table must be exercised here, except the ones listed as not reproducible.
const NOT_REPRODUCED = new Set([
  "INTERNAL", // a server fault
  "REQUEST_TIMEOUT", // needs a body held back past --read-timeout-ms (10 s)
  "FORBIDDEN", // needs a principal without a role: --reads-need-role or a mutation (tests/it/auth.rs)
  // Writes need a store and an editor's token (tests/it/store.rs, tests/it/writes_http.rs).
  "VALIDATION_FAILED",
  "CONFLICT",
  "WRITES_DISABLED",
]);

async function send({ method = "POST", body, query, accept, authorization, contentType = "application/json" }) {
  const headers = {};
  if (accept) headers.accept = accept;
  if (authorization) headers.authorization = authorization;
  let url = endpoint;
  if (method === "GET") url += `?query=${encodeURIComponent(query)}`;
  else headers["content-type"] = contentType;
  const res = await fetch(url, { method, headers, body: method === "GET" ? undefined : body ?? JSON.stringify({ query }) });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, code: json?.errors?.[0]?.extensions?.code };
}

const GRAPHQL_RESPONSE = "application/graphql-response+json";
const aliases = Array.from({ length: 101 }, (_, i) => `a${i}: __typename`).join(" ");
const cases = [
  ["NOT_FOUND", { query: '{ neighborhood(id: "nothing:here") { truncated } }' }, 200],
  ["BAD_USER_INPUT", { query: '{ entities(first: -1) { totalCount } }' }, 200],
  // A relations cursor of another data version (as after a reload that changed the data).
  [
    "STALE_CURSOR",
    { query: '{ entity(id: "mineral:scandium") { relations(after: "0000000000000001:0") { totalCount } } }' },
    200,
  ],
  ["LIMIT_EXCEEDED", { query: "{ entities(first: 500) { totalCount } }" }, 200],
  ["LIMIT_EXCEEDED", { query: `{ ${aliases} }` }, 400],
  ["LIMIT_EXCEEDED", { body: JSON.stringify({ query: `{ __typename } #${"x".repeat(70000)}` }) }, 413],
  ["GRAPHQL_PARSE_FAILED", { query: "{" }, 200],
  ["GRAPHQL_PARSE_FAILED", { query: "{", accept: GRAPHQL_RESPONSE }, 400],
  ["GRAPHQL_VALIDATION_FAILED", { query: "{ nope }" }, 200],
  ["GRAPHQL_VALIDATION_FAILED", { query: "{ nope }", accept: GRAPHQL_RESPONSE }, 400],
  [
    "PERSISTED_QUERY_NOT_FOUND",
    { body: JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: "0".repeat(64) } } }) },
    400,
  ],
  ["BAD_REQUEST", { body: "[{}]" }, 400],
  ["BAD_REQUEST", { body: "{not json" }, 400],
  ["METHOD_NOT_ALLOWED", { method: "GET", query: "mutation { x }" }, 405],
  ["UNSUPPORTED_MEDIA_TYPE", { query: "{ __typename }", contentType: "text/plain" }, 415],
  // This server accepts no tokens: any bearer token is refused, whatever the operation.
  ["UNAUTHENTICATED", { query: "{ __typename }", authorization: "Bearer not.a.jwt" }, 401],
];

test("docs/clients.md: each error code and status, as the guide says", async () => {
  for (const [code, request, status] of cases) {
    const got = await send(request);
    assert.equal(got.status, status, `${code}: ${JSON.stringify(request).slice(0, 80)}`);
    assert.equal(got.code, code, `${code}: ${JSON.stringify(got.json)?.slice(0, 200)}`);
    if (status === 405) assert.equal(got.headers.get("allow"), "POST");
    if (status === 401) assert.match(got.headers.get("www-authenticate"), /^Bearer .*error="invalid_token"/);
  }
  // Validation errors: GRAPHQL_VALIDATION_FAILED, 200 under application/json, 400 under
  // graphql-response+json, and no `data`.
  const invalid = await send({ query: "{ nope }" });
  assert.equal(invalid.status, 200);
  assert.equal(invalid.code, "GRAPHQL_VALIDATION_FAILED");
  assert.equal("data" in invalid.json, false);
  assert.equal((await send({ query: "{ nope }", accept: GRAPHQL_RESPONSE })).status, 400);
  // 406: an Accept that allows neither JSON type.
  assert.equal((await send({ query: "{ __typename }", accept: "text/html" })).status, 406);
  // Every code the guide lists is exercised above or named as not reproduced.
  const guide = readFileSync(join(root, "docs", "clients.md"), "utf8");
  const table = guide.split("## Error codes")[1].split("\n## ")[0];
  const listed = [...table.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]);
  const exercised = new Set(cases.map(([c]) => c));
  for (const code of listed) {
    assert.ok(exercised.has(code) || NOT_REPRODUCED.has(code), `${code} is in the guide but not tested`);
  }
  for (const code of exercised) assert.ok(listed.includes(code), `${code} is not in the guide`);
});
