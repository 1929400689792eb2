#!/usr/bin/env node
// GraphQL-over-HTTP conformance audit: runs every audit of graphql-http's `serverAudits`
// against the endpoint given as the first argument, e.g.
//
//   node scripts/audit/audit.mjs http://127.0.0.1:8080/graphql
//
// Prints one line per audit (`PASS` / `FAIL` / `WARN`, id, name), then the details of every
// audit that did not pass, then a summary line `N passed, M failed` alone on the last line.
//
// graphql-http grades a failed audit by the requirement in its name: MUST -> 'error',
// SHOULD -> 'warn', MAY -> 'notice'. Here MUST and SHOULD failures are both FAIL and make the
// exit status 1; a MAY that is not met is WARN, counted apart, and never fails the run. An audit
// that could not run at all (network error, timeout: graphql-http throws) is FAIL too, whatever
// its level, since nothing was verified.
//
// Audits run one after another, each request bounded by REQUEST_TIMEOUT_MS, so the run is
// deterministic and bounded in time. Only the given URL is contacted.

import { serverAudits } from 'graphql-http';

const REQUEST_TIMEOUT_MS = 10_000;
const BODY_EXCERPT_CHARS = 400;

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  console.error('usage: node audit.mjs URL   (e.g. http://127.0.0.1:8080/graphql)');
  process.exit(2);
}
try {
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)');
} catch (e) {
  console.error(`audit: not an http(s) URL: ${url}`);
  process.exit(2);
}

/** fetch with a per-request timeout, so a hung server cannot hang the audit. */
function fetchWithTimeout(input, init = {}) {
  return fetch(input, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
}

/** 'MUST' | 'SHOULD' | 'MAY' from an audit name ("MAY NOT ..." is a MAY). */
function level(name) {
  return name.split(' ', 1)[0];
}

/** Status, content type and an excerpt of the body of the response that failed an audit. */
async function describeResponse(res) {
  if (!res) return '(no response)';
  let body;
  try {
    body = await res.text();
  } catch {
    body = '(body already consumed)';
  }
  body = body.replace(/\s+/g, ' ').trim();
  if (body.length > BODY_EXCERPT_CHARS) body = `${body.slice(0, BODY_EXCERPT_CHARS)}...`;
  const type = res.headers.get('content-type') ?? '(none)';
  return `HTTP ${res.status}; content-type: ${type}; body: ${body || '(empty)'}`;
}

const audits = serverAudits({ url, fetchFn: fetchWithTimeout });

let passed = 0;
let failed = 0;
let mayNotMet = 0;
const details = [];

for (const { id, name, fn } of audits) {
  let result;
  try {
    result = await fn();
  } catch (err) {
    // graphql-http throws only when the audit could not be carried out at all.
    failed += 1;
    console.log(`FAIL ${id} ${name}`);
    details.push(`FAIL ${id} ${name}\n    could not run: ${err?.stack ?? err}`);
    continue;
  }
  if (result.status === 'ok') {
    passed += 1;
    console.log(`PASS ${id} ${name}`);
    continue;
  }
  const mandatory = result.status === 'error' || result.status === 'warn';
  const verdict = mandatory ? 'FAIL' : 'WARN';
  if (mandatory) failed += 1;
  else mayNotMet += 1;
  console.log(`${verdict} ${id} ${name}`);
  const lvl = mandatory ? level(name) : 'MAY';
  details.push(
    `${verdict} ${id} ${name}\n    [${lvl}, graphql-http status '${result.status}'] ${result.reason}\n` +
      `    response: ${await describeResponse(result.response)}`,
  );
}

if (details.length > 0) {
  console.log('');
  console.log('Details:');
  for (const d of details) console.log(d);
}
console.log('');
console.log(`${audits.length} audits; ${mayNotMet} optional (MAY) not met, not counted as failures`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
