import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { startFastServer, until } from '../helpers/lifecycle.js';
import type { Sim } from '../../src/domain/models.js';
import { activeSims, statuses } from '../bulk/helpers.js';
import { type ConsoleBrowser, launch, screenshot, signInAsAccount, watchErrors } from './browser.js';

// Bulk changes in the console, in a real Chromium: rows selected on the fleet page, or every
// SIM matching its filters; a preview that changes nothing; then the batch's progress, live.

describe('console bulk changes', () => {
  let server: TestServer;
  let chrome: ConsoleBrowser;
  let sims: Sim[];

  before(async () => {
    server = await startFastServer();
    chrome = await launch();
    sims = await activeSims(server, 4);
  });
  after(async () => {
    await chrome?.close();
    await server?.close();
  });

  test('changes the selected rows: preview, start, and progress followed live', async () => {
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInAsAccount(page, server);
    await page.getByLabel(`Select ${sims[0].sid}`).check();
    await page.getByLabel(`Select ${sims[1].sid}`).check();
    await page.locator('[data-bulk-selected]').click();
    await page.getByRole('heading', { name: 'Change many SIMs' }).waitFor();
    assert.match(await page.locator('[data-selection]').innerText(), /2 SIMs selected/);
    await page.getByLabel('New status').selectOption('suspended');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#bulk-preview').waitFor();
    assert.equal(await page.locator('[data-total]').innerText(), '2');
    assert.equal(await page.locator('[data-would-apply]').innerText(), '2');
    assert.deepEqual(await statuses(server, sims), ['active', 'active', 'active', 'active'], 'a preview changes nothing');
    await screenshot(page, 'bulk-preview');
    await page.locator('[data-start]').click();
    await page.getByRole('heading', { name: /^Batch WB/ }).waitFor();
    await page.locator('[data-batch-status]', { hasText: 'completed' }).waitFor({ timeout: 15_000 });
    assert.equal(await page.locator('[data-applied]').innerText(), '2');
    await until('the two SIMs suspended', () => statuses(server, sims), (s) => s[0] === 'suspended' && s[1] === 'suspended' && s[2] === 'active');
    await screenshot(page, 'bulk-progress');
    assert.deepEqual(errors, []);
  });

  test('changes every SIM matching the filters: refusals previewed by reason, a scheduled batch canceled', async () => {
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInAsAccount(page, server);
    await page.getByLabel('Status', { exact: true }).selectOption('active');
    await page.waitForURL(/status=active/);
    await page.locator('[data-bulk-all]').click();
    await page.getByRole('heading', { name: 'Change many SIMs' }).waitFor();
    assert.match(await page.locator('[data-selection]').innerText(), /every SIM matching status active/);
    // active → ready is refused by the lifecycle: the preview says so, per reason.
    await page.getByLabel('New status').selectOption('ready');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('#bulk-preview').waitFor();
    assert.equal(await page.locator('[data-total]').innerText(), '2');
    assert.equal(await page.locator('[data-would-apply]').innerText(), '0');
    assert.match(await page.locator('[data-refusal="33105"]').innerText(), /33105\s+2/);
    // A bad start is refused next to its field; nothing is created.
    await page.getByLabel('New status').selectOption('deactivated');
    await page.getByLabel(/Start at/).fill('soon');
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.getByText('"soon" is not an ISO 8601 date-time').waitFor();
    assert.equal((await server.wisp.services.batches.list({ account: server.wisp.master, credentialAccount: server.wisp.master, keySid: null }, undefined, { limit: 10 })).items.length, 1);
    const clock = await server.admin('GET', '/admin/v1/Clock');
    await page.getByLabel(/Start at/).fill(new Date(Date.parse(clock.body.now) + 3600_000).toISOString());
    await page.getByRole('button', { name: 'Preview' }).click();
    await page.locator('[data-start]').click();
    await page.locator('[data-batch-status]', { hasText: 'queued' }).waitFor();
    await page.getByRole('button', { name: 'Cancel the SIMs not yet changed' }).click();
    await page.locator('[data-batch-status]', { hasText: 'canceled' }).waitFor();
    assert.deepEqual((await statuses(server, sims)).slice(2), ['active', 'active']);
    await page.goto(`${server.url}/console/bulk`);
    assert.equal(await page.locator('tbody tr').count(), 2);
    // The refused form was answered 422 on purpose, which the browser logs; nothing else.
    assert.deepEqual(errors.filter((e) => !/status of 422/.test(e)), []);
  });
});
