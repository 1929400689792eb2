// graphql-ws's createClient against a real reegraph (target/debug/reegraph on a free 127.0.0.1
// port, serving a temporary copy of data/): a subscription to graphChanged sees the event of a
// SIGHUP reload after the copy changed. Run by scripts/clients/run (`node --test`).
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

import { createClient } from "graphql-ws";
import WebSocket from "ws";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..");
const data = mkdtempSync(join(tmpdir(), "reegraph-subs-"));
let server;
let base;

function freePort() {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

before(async () => {
  cpSync(join(root, "data"), data, { recursive: true });
  const port = await freePort();
  const bin = join(root, "target", "debug", "reegraph");
  server = spawn(bin, ["serve", "--bind", `127.0.0.1:${port}`, "--data", data], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr.on("data", (chunk) => {
    log += chunk;
  });
  base = `127.0.0.1:${port}`;
  for (let i = 0; i < 300; i++) {
    if (server.exitCode !== null) throw new Error(`reegraph exited with ${server.exitCode}:\n${log}`);
    try {
      if ((await fetch(`http://${base}/healthz`)).ok) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`reegraph did not answer /healthz within 30 s; its log:\n${log}`);
});

after(() => {
  server?.kill();
  rmSync(data, { recursive: true, force: true });
});

/// Waits until the server counts `n` subscriptions listening (/metrics), at most 30 s.
async function listening(n) {
  for (let i = 0; i < 300; i++) {
    const text = await (await fetch(`http://${base}/metrics`)).text();
    if (text.includes(`\nreegraph_subscriptions ${n}\n`)) return;
    await sleep(100);
  }
  throw new Error(`the server never counted ${n} subscriptions`);
}

test("graphql-ws: a subscription sees the event of a SIGHUP reload", async () => {
  const client = createClient({ url: `ws://${base}/graphql`, webSocketImpl: WebSocket, lazy: false });
  try {
    const events = [];
    const event = new Promise((resolve, reject) => {
      client.subscribe(
        {
          query:
            "subscription { graphChanged(kinds: [APPLICATION]) { dataVersion added removed changed addedCount } }",
        },
        {
          next: (result) => {
            events.push(result);
            resolve(result);
          },
          error: reject,
          complete: () => {},
        },
      );
    });
    await listening(1);
    writeFileSync(
      join(data, "zz-extra.toml"),
      `[[application]]
id = "application:graphql-ws-probe"
name = "graphql-ws probe"
citations = [{ source = "source:reex-2025-tonglu", quote = "NdPr magnets", grade = "REPORTED" }]
`,
    );
    server.kill("SIGHUP");
    const result = await event;
    assert.equal(result.errors, undefined, JSON.stringify(result));
    const change = result.data.graphChanged;
    assert.deepEqual(change.added, ["application:graphql-ws-probe"]);
    assert.deepEqual(change.removed, []);
    assert.equal(change.addedCount, 1);
    const stats = await (
      await fetch(`http://${base}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ stats { dataVersion } }" }),
      })
    ).json();
    assert.equal(change.dataVersion, stats.data.stats.dataVersion);
    assert.equal(events.length, 1);
  } finally {
    await client.dispose();
  }
});
