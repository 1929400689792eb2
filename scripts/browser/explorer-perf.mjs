// Measures the explorer in headless chromium (a measurement, not a test; run by hand):
//   1. navigation → first canvas on the bundled data (the headline entity's neighborhood);
//   2. on a synthetic graph (`reegraph generate --entities 20000`), the layout and render of a
//      neighborhood of 1,000 entities (the API's largest `limit`) and its relations, opened by
//      URL (/explore?e=ID&d=DEPTH&n=1000), with the longest main-thread task
//      (PerformanceObserver "longtask") from navigation to the painted canvas.
// Prints medians over ROUNDS rounds (default 5), each in a fresh browser context.
//
//   node scripts/browser/explorer-perf.mjs            (uses target/debug/reegraph; set
//                                                      REEGRAPH_BINARY for another)
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { launchBrowser, openPage, repoRoot, startServer } from "./harness.js";

const rounds = Number(process.env.ROUNDS ?? 5);
const binary = process.env.REEGRAPH_BINARY ?? path.join(repoRoot, "target/debug/reegraph");
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (xs) => `median ${median(xs).toFixed(0)} ms (${xs.map((x) => x.toFixed(0)).join(", ")})`;

async function measure(browser, origin, url) {
  const { page, assertNoProblems } = await openPage(browser, origin);
  await page.addInitScript(() => {
    window.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  await page.goto(url);
  await page.waitForFunction(() => (window.reegraphExplorer?.timings.length ?? 0) > 0 && document.body.dataset.busy === "0", null, {
    timeout: 120_000,
  });
  const result = await page.evaluate(() => {
    const t = window.reegraphExplorer.timings[0];
    return {
      ...t,
      firstCanvas: t.endedAt,
      longest: Math.max(0, ...window.__longtasks.filter((x) => x.start <= t.endedAt).map((x) => x.duration)),
      longestInDraw: Math.max(
        0,
        ...window.__longtasks.filter((x) => x.start + x.duration >= t.endedAt - t.drawMs && x.start <= t.endedAt).map((x) => x.duration),
      ),
    };
  });
  assertNoProblems();
  await page.context().close();
  return result;
}

const browser = await launchBrowser();
try {
  // 1. The bundled data.
  {
    const server = await startServer({ binary });
    try {
      const runs = [];
      for (let i = 0; i < rounds; i++) {
        runs.push(await measure(browser, server.origin, `${server.origin}/explore?e=application:defense-grade-magnets`));
      }
      const r = runs[0];
      console.log(`bundled data, ${r.entities} entities / ${r.relations} relations:`);
      console.log(`  navigation → first canvas: ${fmt(runs.map((x) => x.firstCanvas))}`);
    } finally {
      await server.stop();
    }
  }
  // 2. A synthetic graph.
  const dir = mkdtempSync(path.join(tmpdir(), "reegraph-explorer-perf-"));
  try {
    execFileSync(binary, ["generate", "--entities", "20000", "--out", dir], { stdio: "ignore" });
    const server = await startServer({ binary, dataDir: dir });
    try {
      const gql = async (query) => (await (await fetch(`${server.origin}/graphql?query=${encodeURIComponent(query)}`)).json()).data;
      // The best-connected organizations of the first page, and the depth at which their
      // neighborhood reaches 1,000 entities with the most relations.
      const { entities } = await gql(`{ entities(kinds: [ORGANIZATION], first: 100) { nodes { id relations(first: 0) { totalCount } } } }`);
      const candidates = entities.nodes.sort((a, b) => b.relations.totalCount - a.relations.totalCount).slice(0, 5);
      let best = null;
      for (const c of candidates) {
        for (const depth of [2, 3, 4]) {
          const { neighborhood } = await gql(`{ neighborhood(id: "${c.id}", depth: ${depth}, limit: 1000) { entities { id } relations { type } } }`);
          const size = { id: c.id, depth, entities: neighborhood.entities.length, relations: neighborhood.relations.length };
          if (size.entities >= 1000 && (!best || size.relations > best.relations)) best = size;
        }
      }
      if (!best) throw new Error("no neighborhood of 1,000 entities in the synthetic graph");
      const runs = [];
      for (let i = 0; i < rounds; i++) {
        runs.push(await measure(browser, server.origin, `${server.origin}/explore?e=${encodeURIComponent(best.id)}&d=${best.depth}&n=1000`));
      }
      const r = runs[0];
      console.log(`synthetic graph (20,000 entities), ${best.id} at depth ${best.depth}: ${r.entities} entities / ${r.relations} relations drawn`);
      console.log(`  API answer (fetch):         ${fmt(runs.map((x) => x.fetchMs))}`);
      console.log(`  layout + render (to paint): ${fmt(runs.map((x) => x.drawMs))}`);
      console.log(`  navigation → first canvas:  ${fmt(runs.map((x) => x.firstCanvas))}`);
      console.log(`  longest main-thread task during layout + render: ${fmt(runs.map((x) => x.longestInDraw))}`);
      console.log(`  longest main-thread task, navigation → canvas:   ${fmt(runs.map((x) => x.longest))}`);
    } finally {
      await server.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
} finally {
  await browser.close();
}
