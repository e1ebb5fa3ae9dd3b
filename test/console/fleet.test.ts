import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';
import { startFastServer, until } from '../helpers/lifecycle.js';
import { callerAs, registerSims } from '../helpers/sims.js';
import type { Sim } from '../../src/domain/models.js';
import { type ConsoleBrowser, launch, screenshot, signInAsAccount, watchErrors } from './browser.js';

// The fleet page in a real Chromium: the counts by status, the filters, the search, keyset
// paging forwards and back, and the orders.

const rows = (page: Page) => page.locator('#fleet-selection tbody tr');
const column = (page: Page, index: number) => page.locator(`#fleet-selection tbody tr td:nth-child(${index})`).allInnerTexts();

describe('console fleet', () => {
  let server: TestServer;
  let chrome: ConsoleBrowser;
  let sims: Sim[];

  before(async () => {
    server = await startFastServer();
    chrome = await launch();
    sims = await registerSims(server, 60);
    const caller = callerAs(server);
    const plan = await server.wisp.services.ratePlans.create(caller, { uniqueName: 'fleet-plan' });
    for (const [i, sim] of sims.entries()) {
      await server.wisp.services.sims.update(caller, sim.sid, { uniqueName: `unit-${String(i).padStart(2, '0')}`, ...(i % 3 === 0 ? { ratePlan: plan.sid, status: 'ready' } : {}) });
    }
    await until('20 SIMs are ready', () => server.wisp.services.sims.countByStatus(caller), (counts) => counts.ready === 20 && counts.updating === undefined);
  });
  after(async () => {
    await chrome?.close();
    await server?.close();
  });

  test('shows the counts by status as a chart and a list', async () => {
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInAsAccount(page, server);
    await page.getByRole('heading', { name: /SIMs by status/ }).waitFor();
    assert.match(await page.locator('#by-status').innerText(), /60 in all/);
    const counts = await page.locator('.counts li').allInnerTexts();
    assert.ok(counts.includes('new 40'), counts.join(', '));
    assert.ok(counts.includes('ready 20'), counts.join(', '));
    // Chart.js drew the chart (it marks the canvas), under the strict CSP, without errors.
    await page.locator('canvas[data-chart="status"][data-drawn="1"]').waitFor();
    assert.equal(await rows(page).count(), 50, 'the first page holds 50 SIMs');
    await screenshot(page, 'fleet');
    assert.deepEqual(errors, []);
  });

  test('filters by status and rate plan, as the list API does', async () => {
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server);
    await page.getByLabel('Status', { exact: true }).selectOption('ready');
    await page.waitForURL(/status=ready/);
    await until('20 rows', () => rows(page).count(), (n) => n === 20);
    assert.deepEqual([...new Set(await column(page, 5))], ['ready']);
    // Each choice submits the form; the next one waits for the page it loads, or it would be
    // made on a page that is being replaced.
    await page.getByLabel('Status', { exact: true }).selectOption('');
    await page.waitForURL((url) => url.searchParams.get('status') === '');
    await page.getByLabel('Rate plan', { exact: true }).selectOption({ label: 'fleet-plan' });
    await page.waitForURL(/plan=WP/);
    await until('20 rows on the plan', () => rows(page).count(), (n) => n === 20);
    assert.deepEqual([...new Set(await column(page, 6))], ['fleet-plan']);
  });

  test('pages forwards and back with keyset links, in either order', async () => {
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server);
    await page.goto(`${server.url}/console/sims?size=25`);
    const first = await column(page, 3);
    assert.equal(first.length, 25);
    assert.deepEqual(first, sims.slice(0, 25).map((_, i) => `unit-${String(i).padStart(2, '0')}`));
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(/after=/);
    assert.deepEqual(await column(page, 3), sims.slice(25, 50).map((_, i) => `unit-${String(i + 25).padStart(2, '0')}`));
    await page.getByRole('link', { name: 'Next' }).click();
    await until('the last page', () => rows(page).count(), (n) => n === 10);
    assert.equal(await page.getByRole('link', { name: 'Next' }).count(), 0, 'no page after the last');
    await page.getByRole('link', { name: 'Previous' }).click();
    await page.waitForURL(/before=/);
    assert.deepEqual(await column(page, 3), sims.slice(25, 50).map((_, i) => `unit-${String(i + 25).padStart(2, '0')}`));

    await page.goto(`${server.url}/console/sims?size=25&sort=iccid-desc`);
    const iccids = sims.map((s) => s.iccid).sort().reverse();
    assert.deepEqual(await column(page, 4), iccids.slice(0, 25));
    await page.getByRole('link', { name: 'Next' }).click();
    await page.waitForURL(/after=/);
    assert.deepEqual(await column(page, 4), iccids.slice(25, 50));
  });

  test('finds SIMs by the start of a unique name, or by SID', async () => {
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server);
    await page.getByLabel('Search: SID or start of unique name').fill('unit-1');
    await page.waitForURL(/q=unit-1/);
    await until('10 matches (unit-10 to unit-19)', () => rows(page).count(), (n) => n === 10);
    assert.ok((await column(page, 3)).every((name) => name.startsWith('unit-1')));
    await page.goto(`${server.url}/console/sims?q=${sims[42].sid}`);
    assert.deepEqual(await column(page, 2), [sims[42].sid]);
    await page.goto(`${server.url}/console/sims?q=nothing-like-this`);
    await page.getByText('No SIM matches').waitFor();
  });

  test('reads at phone width', async () => {
    const page = await (await chrome.context({ width: 375, height: 740 })).newPage();
    await signInAsAccount(page, server);
    await page.getByRole('heading', { name: /SIMs by status/ }).waitFor();
    // Nothing but the table (which scrolls in its own box) is wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(overflow <= 375, `the page is ${overflow} px wide`);
    await screenshot(page, 'fleet-phone', { fullPage: false });
  });
});
