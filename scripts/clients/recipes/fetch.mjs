// Plain fetch: POST JSON, GET with ETag revalidation, and an automatic persisted query.
import { createHash } from "node:crypto";

export async function post(endpoint, query, variables = {}) {
  const res = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  // Field errors come with `data` (partial or null) and status 200; read both.
  return { status: res.status, ...body };
}

export async function getWithEtag(endpoint, query, etag) {
  const url = `${endpoint}?query=${encodeURIComponent(query)}`;
  const headers = { accept: "application/json" };
  if (etag) headers["if-none-match"] = etag;
  const res = await fetch(url, { headers });
  // 304: nothing changed since `etag`; keep the copy you have.
  if (res.status === 304) return { status: 304, etag };
  return { status: res.status, etag: res.headers.get("etag"), body: await res.json() };
}

export async function persisted(endpoint, query) {
  const sha256Hash = createHash("sha256").update(query).digest("hex");
  const extensions = JSON.stringify({ persistedQuery: { version: 1, sha256Hash } });
  const byHash = () =>
    fetch(`${endpoint}?extensions=${encodeURIComponent(extensions)}`).then((r) => r.json());
  let body = await byHash();
  const first = body.errors?.[0]?.extensions?.code; // PERSISTED_QUERY_NOT_FOUND the first time
  if (first === "PERSISTED_QUERY_NOT_FOUND") {
    // Register the text once (POST with query + hash), then the hash alone is enough.
    await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query, extensions: JSON.parse(extensions) }),
    });
    body = await byHash();
  }
  return { first, body };
}
