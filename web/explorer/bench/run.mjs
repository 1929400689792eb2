// Bundles each renderer's page with esbuild, then measures in headless chromium (Debian's, via
// scripts/browser's playwright-core) the time from handing 1,000 entities / 2,000 relations
// (already laid out, as the explorer does) to the second painted frame, and the longest
// main-thread task (PerformanceObserver "longtask"). Prints medians of 5 fresh pages, and each
// bundle's gzipped size. Run: (cd web/explorer/bench && npm ci) && node web/explorer/bench/run.mjs
import { build } from "esbuild";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";

const here = path.dirname(fileURLToPath(import.meta.url));
const { chromium } = await import(path.join(here, "../../../scripts/browser/node_modules/playwright-core/index.mjs"));
const out = mkdtempSync(path.join(tmpdir(), "renderer-bench-"));
const [n, m] = [1000, 2000];
for (const lib of ["cytoscape", "sigma"]) {
  await build({ absWorkingDir: here, entryPoints: [`src/${lib}.js`], bundle: true, minify: true, format: "iife", outfile: path.join(out, `${lib}.js`), logLevel: "warning" });
  writeFileSync(path.join(out, `${lib}.html`), `<!doctype html><body style="margin:0"><div id="c" style="width:1280px;height:720px"></div><script src="${lib}.js"></script>`);
  console.log(`${lib}: ${(gzipSync(readFileSync(path.join(out, `${lib}.js`)), { level: 9 }).length / 1024).toFixed(0)} KiB gzipped`);
}
const browser = await chromium.launch({ executablePath: process.env.REEGRAPH_CHROMIUM ?? "/usr/bin/chromium" });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const lib of ["cytoscape", "sigma"]) {
  for (const variant of ["full", "dots"]) {
    const times = [];
    const tasks = [];
    for (let round = 0; round < 5; round++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
      await page.goto(`file://${out}/${lib}.html`);
      const r = await page.evaluate(async ([v, n, m]) => {
        const seen = [];
        new PerformanceObserver((l) => l.getEntries().forEach((e) => seen.push(e.duration))).observe({ type: "longtask" });
        const t = await window.run(v, n, m);
        await new Promise((res) => setTimeout(res, 100));
        return { t, longest: Math.max(0, ...seen) };
      }, [variant, n, m]);
      times.push(r.t);
      tasks.push(r.longest);
      await page.close();
    }
    console.log(`${lib} ${variant}: first paint median ${median(times).toFixed(0)} ms (${times.map((t) => t.toFixed(0)).join(", ")}); longest task median ${median(tasks).toFixed(0)} ms`);
  }
}
await browser.close();
