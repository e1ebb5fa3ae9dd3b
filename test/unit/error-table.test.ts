import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { MAPPING, UNAVAILABLE, WIRELESS } from '../../src/http/errors.js';
import { ADMIN_ERRORS } from '../../src/admin/errors.js';
import { EARLY_STATUSES } from '../../src/http/client-errors.js';

// docs/api.md's error tables against the code, both ways: every code Wisp can answer or report
// has its row (with its dictionary page), and every row is a code Wisp can answer or report.
// Adding a code without a row, or leaving a row behind, fails here.

const ROOT = join(import.meta.dirname, '..', '..');
const API_MD = readFileSync(join(ROOT, 'docs', 'api.md'), 'utf8');

function sourcesUnder(dir: string): { path: string; text: string }[] {
  return readdirSync(join(ROOT, dir), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => ({ path: join(dir, name), text: readFileSync(join(ROOT, dir, name), 'utf8') }));
}

/** The rows of the markdown table that follows `heading`, as arrays of trimmed cells. */
function tableAfter(heading: string): string[][] {
  const at = API_MD.indexOf(`\n${heading}\n`);
  assert.ok(at >= 0, `docs/api.md has the heading ${heading}`);
  const lines = API_MD.slice(at).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.slice(1, -1).split(' | ').map((cell) => cell.trim()));
  }
  assert.ok(rows.length > 0, `a table follows ${heading}`);
  return rows;
}

/** Every status and Twilio code a request can be answered with. */
function answered(): Set<string> {
  const pairs = new Set<string>();
  for (const { status, code } of [...Object.values(MAPPING), ...Object.values(WIRELESS)]) pairs.add(`${status} ${code}`);
  pairs.add(`503 ${UNAVAILABLE.wireless}`).add(`503 ${UNAVAILABLE.other}`);
  // The body parser's own refusals (415: a media type it cannot read) take the bad-value codes.
  for (const table of [MAPPING, WIRELESS]) if (table.invalid_parameter) pairs.add(`415 ${table.invalid_parameter.code}`);
  // What Node.js's parser, Fastify's router and the URL limit refuse (client-errors.ts) likewise.
  for (const status of EARLY_STATUSES) for (const table of [MAPPING, WIRELESS]) if (table.invalid_parameter) pairs.add(`${status} ${table.invalid_parameter.code}`);
  for (const { text } of sourcesUnder('src')) {
    for (const match of text.matchAll(/sendError\(.*?,\s*(\d{3}),\s*(\d{5})\b/g)) pairs.add(`${match[1]} ${match[2]}`);
  }
  return pairs;
}

/** Every code reported after the request: in callbacks, Commands, and the device simulator's refusals. */
function reported(): Set<string> {
  const codes = new Set<string>();
  for (const dir of ['src/domain', 'src/network', 'src/jobs']) {
    for (const { text } of sourcesUnder(dir)) {
      for (const match of text.matchAll(/\b(?:code|errorCode):\s*(\d{5})\b|export const [A-Z_]+ = (\d{5});/g)) codes.add(match[1] ?? match[2]);
    }
  }
  return codes;
}

describe("docs/api.md's error tables", () => {
  it('list every status and code a request can be answered with, and nothing else, each with its dictionary page', () => {
    const rows = tableAfter('### Codes Wisp answers requests with');
    const documented = new Set(rows.map(([status, code]) => `${status} ${code}`));
    const code = answered();
    assert.deepEqual([...code].filter((pair) => !documented.has(pair)).sort(), [], 'answered by the code but missing from docs/api.md');
    assert.deepEqual([...documented].filter((pair) => !code.has(pair)).sort(), [], 'in docs/api.md but never answered');
    for (const [status, number, page] of rows) {
      assert.ok(page.includes(`(https://www.twilio.com/docs/api/errors/${number})`), `the row ${status} ${number} links its page`);
    }
  });

  it('list every code reported in callbacks, Commands and device refusals, and nothing else, each with its page', () => {
    const rows = tableAfter('### Codes Wisp reports after the request');
    const documented = new Set(rows.map(([code]) => code));
    const code = reported();
    assert.deepEqual([...code].filter((c) => !documented.has(c)).sort(), [], 'reported by the code but missing from docs/api.md');
    assert.deepEqual([...documented].filter((c) => !code.has(c)).sort(), [], 'in docs/api.md but never reported');
    for (const [number, page] of rows) assert.ok(page.includes(`(https://www.twilio.com/docs/api/errors/${number})`), `the row ${number} links its page`);
  });

  it("list the admin API's catalog exactly, with each error's status", () => {
    const rows = tableAfter('Admin errors come from one catalog (`src/admin/errors.ts`), each with a stable `code`:');
    const documented = rows.map(([status, code]) => `${status} ${code.replaceAll('`', '')}`).sort();
    const catalog = Object.entries(ADMIN_ERRORS).map(([code, { status }]) => `${status} ${code}`).sort();
    assert.deepEqual(documented, catalog);
  });
});
