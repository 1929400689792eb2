// Reusable pieces for headless-browser tests of reegraph's pages: start the server binary on
// 127.0.0.1 with a free port, launch Debian's chromium through playwright-core, and open pages
// in a context where every request that leaves the server's origin is aborted and recorded,
// along with console errors, uncaught page errors and failed requests.
import { spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

/** The repository's root directory. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort() {
  const server = net.createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  server.close();
  await once(server, "close");
  return port;
}

/**
 * Starts `binary` (default: $REEGRAPH_BINARY, else the debug build) serving `dataDir` (default:
 * the repository's data/) on 127.0.0.1, and resolves once /healthz answers. Returns its origin, its output so far,
 * and `stop()`.
 */
export async function startServer({
  binary = process.env.REEGRAPH_BINARY ?? path.join(repoRoot, "target/debug/reegraph"),
  dataDir = path.join(repoRoot, "data"),
  args = [],
  readyWithinMs = 120_000,
} = {}) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const child = spawn(binary, ["--data", dataDir, "--bind", `127.0.0.1:${port}`, ...args], {
    cwd: repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk) => (output += chunk));
  child.stderr.on("data", (chunk) => (output += chunk));
  let exited = null;
  child.on("exit", (code, signal) => (exited = { code, signal }));

  const stop = async () => {
    if (exited) return;
    const gone = once(child, "exit");
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await gone;
    clearTimeout(timer);
  };

  const deadline = Date.now() + readyWithinMs;
  for (;;) {
    if (exited) throw new Error(`the server exited (${JSON.stringify(exited)}) before it was ready:\n${output}`);
    try {
      const reply = await fetch(`${origin}/healthz`);
      if (reply.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the server was not ready within ${readyWithinMs} ms:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { origin, output: () => output, stop };
}

/** Launches Debian's chromium (or $REEGRAPH_CHROMIUM), headless. */
export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.REEGRAPH_CHROMIUM ?? "/usr/bin/chromium" });
}

/**
 * A new page in a fresh context (no cache, no storage) of `browser`. Every request whose origin
 * is not `origin` is aborted; `problems` collects those requests, console errors, uncaught page
 * errors and failed requests, and `assertNoProblems()` fails the test when any occurred.
 */
export async function openPage(browser, origin) {
  const context = await browser.newContext();
  const problems = { offOrigin: [], consoleErrors: [], pageErrors: [], failedRequests: [] };
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    problems.offOrigin.push(url);
    return route.abort("blockedbyclient");
  });
  const page = await context.newPage();
  page.on("console", (message) => {
    if (message.type() === "error") problems.consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => problems.pageErrors.push(String(error)));
  page.on("requestfailed", (request) =>
    problems.failedRequests.push(`${request.url()}: ${request.failure()?.errorText}`),
  );
  const assertNoProblems = () => {
    const found = Object.entries(problems).filter(([, list]) => list.length > 0);
    if (found.length > 0) throw new Error(`the page had problems: ${JSON.stringify(Object.fromEntries(found), null, 2)}`);
  };
  return { page, context, problems, assertNoProblems };
}
