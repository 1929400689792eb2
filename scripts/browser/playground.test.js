// The GraphiQL playground at GET / in headless chromium, with every request that leaves the
// server's origin aborted: it renders, runs a typed query with Ctrl+Enter, runs every example
// tab without an error, shows a type's description in the docs explorer, and logs no console
// error. Prints the time from navigation to the first answer (a measurement, not an assertion).
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { launchBrowser, openPage, startServer } from "./harness.js";

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** The text of the CodeMirror editor inside `selector` (all of it, not only the visible lines). */
function editorText(page, selector) {
  return page.evaluate((s) => document.querySelector(`${s} .CodeMirror`)?.CodeMirror.getValue() ?? "", selector);
}

/**
 * Waits until GraphiQL has parsed the query editor's text and taken `name` as the operation to
 * run. It does so 100 ms (debounced) after an edit or a tab switch; run before that, and it asks
 * the server for the previous tab's operation ("Unknown operation named ...").
 */
function operationParsed(page, name) {
  return page.waitForFunction(
    (n) => document.querySelector(".graphiql-query-editor .CodeMirror")?.CodeMirror.operationName === n,
    name,
    { timeout: 10_000 },
  );
}

/** Waits until the response pane holds a JSON answer, and returns it. */
async function waitForAnswer(page) {
  const handle = await page.waitForFunction(
    () => {
      const text = document.querySelector(".graphiql-response .CodeMirror")?.CodeMirror.getValue() ?? "";
      try {
        return JSON.parse(text);
      } catch {
        return false;
      }
    },
    null,
    { timeout: 30_000 },
  );
  return handle.jsonValue();
}

test("GraphiQL renders and answers a typed query run with Ctrl+Enter", async (t) => {
  const { page, assertNoProblems } = await openPage(browser, server.origin);
  const started = performance.now();
  await page.goto(`${server.origin}/`);
  const editor = page.locator(".graphiql-query-editor .CodeMirror");
  await editor.waitFor({ timeout: 30_000 });
  const rendered = performance.now();

  // Replace the first tab's text by typing (insertText, so CodeMirror's bracket closing does not
  // add braces of its own), then run it from the keyboard.
  await editor.click();
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Delete");
  await page.keyboard.insertText("query Typed { stats { entities relations } }");
  assert.equal(await editorText(page, ".graphiql-query-editor"), "query Typed { stats { entities relations } }");
  await operationParsed(page, "Typed");
  await page.keyboard.press("Control+Enter");
  const answer = await waitForAnswer(page);
  const answered = performance.now();

  assert.equal(answer.errors, undefined, JSON.stringify(answer));
  assert.ok(answer.data.stats.entities > 0, JSON.stringify(answer));
  assert.ok(answer.data.stats.relations > 0, JSON.stringify(answer));
  t.diagnostic(
    `navigation to GraphiQL rendered: ${(rendered - started).toFixed(0)} ms; ` +
      `navigation to first answer (typing included): ${(answered - started).toFixed(0)} ms`,
  );
  assertNoProblems();
});

test("every example tab is named after its operation and runs without an error", async () => {
  const { page, assertNoProblems } = await openPage(browser, server.origin);
  const html = await (await fetch(`${server.origin}/`)).text();
  const block = html.match(/<script type="application\/json" id="reegraph-examples">(.*?)<\/script>/s);
  assert.ok(block, "the page carries its examples");
  const examples = JSON.parse(block[1]);
  const names = examples.map((query) => query.match(/^query (\w+)/m)?.[1]);
  assert.ok(names.length >= 4 && names.every(Boolean), JSON.stringify(names));

  await page.goto(`${server.origin}/`);
  const tabs = page.locator(".graphiql-tab");
  await tabs.first().waitFor({ timeout: 30_000 });
  assert.deepEqual(await page.locator(".graphiql-tab-button").allTextContents(), names);

  const answers = {};
  for (const [i, name] of names.entries()) {
    await page.locator(".graphiql-tab-button").nth(i).click();
    await page.waitForFunction(
      (n) => document.querySelector(".graphiql-tab-active .graphiql-tab-button")?.textContent === n,
      name,
    );
    assert.equal(await editorText(page, ".graphiql-query-editor"), examples[i]);
    await operationParsed(page, name);
    await page.locator(".graphiql-execute-button").click();
    const answer = await waitForAnswer(page);
    assert.equal(answer.errors, undefined, `${name}: ${JSON.stringify(answer.errors)}`);
    assert.ok(answer.data, name);
    answers[name] = answer;
  }

  // What the README promises: the four directives tab shows the four Tonglu directives.
  const directives = answers.TheFourDirectives?.data.entity.directives ?? [];
  assert.deepEqual(
    directives.map((d) => d.ordinal),
    [1, 2, 3, 4],
    JSON.stringify(answers.TheFourDirectives),
  );
  for (const directive of directives) {
    assert.ok(JSON.stringify(directive.announcedAt).includes("Tonglu County"), JSON.stringify(directive));
  }
  assertNoProblems();
});

test("the docs explorer shows a type's description", async () => {
  const sdl = await (await fetch(`${server.origin}/schema.graphql`)).text();
  const described = sdl.match(/"""\s*\n([^\n]+)\n"""\s*\ntype Mineral\b/);
  assert.ok(described, "the SDL describes Mineral");
  const description = described[1].trim();

  const { page, assertNoProblems } = await openPage(browser, server.origin);
  await page.goto(`${server.origin}/`);
  await page.getByRole("button", { name: "Show Documentation Explorer" }).click();
  const explorer = page.locator(".graphiql-doc-explorer");
  await explorer.waitFor({ timeout: 30_000 });
  await explorer.locator(".graphiql-doc-explorer-search-input input").fill("Mineral");
  await explorer.getByRole("option", { name: "Mineral", exact: true }).click();
  await explorer.locator(".graphiql-doc-explorer-title", { hasText: "Mineral" }).waitFor();
  await explorer.getByText(description).waitFor({ timeout: 10_000 });
  assertNoProblems();
});

test("the settings and short-keys dialogs open under the page's Content-Security-Policy", async () => {
  // Radix's dialogs insert <style> elements: this fails (a CSP violation is a console error)
  // if the policy stops allowing inline styles.
  const { page, assertNoProblems } = await openPage(browser, server.origin);
  await page.goto(`${server.origin}/`);
  for (const [button, heading] of [
    ["Open settings dialog", "Settings"],
    ["Open short keys dialog", "Short Keys"],
  ]) {
    await page.getByRole("button", { name: button }).click();
    const dialog = page.getByRole("dialog");
    await dialog.getByText(heading, { exact: true }).first().waitFor({ timeout: 10_000 });
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "detached" });
  }
  assertNoProblems();
});
