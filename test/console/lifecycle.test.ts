import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { type Receiver, settledAt, simAt, simNow, startFastServer, startReceiver, until } from '../helpers/lifecycle.js';
import { type ConsoleBrowser, launch, screenshot, signInAsAccount, signInAsOperator, watchErrors } from './browser.js';

// The lifecycle through the console, in a real Chromium: a change followed live, the clock
// moved by the operator, a refused action, callbacks replayed, dead jobs retried.

describe('console lifecycle', () => {
  let server: TestServer;
  let chrome: ConsoleBrowser;
  let receiver: Receiver;

  before(async () => {
    server = await startFastServer();
    chrome = await launch();
    receiver = await startReceiver((request) => (request.path === '/broken' ? 500 : 200));
  });
  after(async () => {
    await chrome?.close();
    await receiver?.close();
    await server?.close();
  });

  test('activating a SIM shows it scheduled, then the page follows it live to active', async (t) => {
    const { sid } = await simAt(server, 'new');
    // The operator is down: the change waits, shown `scheduled`, until it comes back.
    await server.admin('POST', '/admin/v1/Network', { available: false });
    t.after(() => server.admin('POST', '/admin/v1/Network', { available: true }));
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInAsAccount(page, server);
    await page.goto(`${server.url}/console/sims/${sid}`);
    await page.getByLabel('Callback URL for this change (optional)').fill(`${receiver.url}/status`);
    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.getByText('The operator is unavailable: the change to active is scheduled.').waitFor();
    await page.locator('#props-title + .props .badge', { hasText: 'scheduled' }).waitFor();
    // Marks this document: a reload or a navigation would lose the mark.
    await page.evaluate(() => document.body.setAttribute('data-mark', 'same-page'));

    await server.admin('POST', '/admin/v1/Network', { available: true });
    await page.locator('#props-title + .props .badge', { hasText: 'active' }).waitFor();
    await page.locator('#live .timeline', { hasText: 'active' }).waitFor();
    assert.equal(await page.evaluate(() => document.body.getAttribute('data-mark')), 'same-page', 'updated in place, not reloaded');
    assert.equal((await simNow(server, sid)).status, 'active');
    // The callback shows in the timeline with its request and answer.
    await receiver.waitFor('/status', 1);
    await page.locator('#live .timeline summary', { hasText: 'delivered' }).waitFor();
    await screenshot(page, 'sim');
    assert.deepEqual(errors, []);
  });

  test('a refused action shows the lifecycle\'s reason, and changes nothing', async () => {
    const { sid } = await simAt(server, 'new');
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server);
    await page.goto(`${server.url}/console/sims/${sid}`);
    // Illegal moves have no button, and say why.
    assert.equal(await page.getByRole('button', { name: 'Suspend' }).isDisabled(), true);
    await page.getByText('A SIM cannot move from new to suspended').waitFor();
    // Meanwhile the SIM is deactivated through the API: the page's Activate button is stale.
    await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'deactivated' } });
    await settledAt(server, sid, 'deactivated');
    await page.getByRole('button', { name: 'Activate', exact: true }).click();
    await page.getByText('A SIM cannot move from deactivated to active (error 33105)').waitFor();
    assert.equal((await simNow(server, sid)).status, 'deactivated');
  });

  test('the operator advances the clock 72 hours and a deactivated SIM becomes canceled', async () => {
    const { sid } = await simAt(server, 'deactivated');
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInAsOperator(page, server);
    await page.getByRole('button', { name: 'Advance 72 hours' }).click();
    await page.getByText(/The clock is now .*; \d+ jobs? ran\./).waitFor();
    await screenshot(page, 'operator-clock');
    assert.equal((await simNow(server, sid)).status, 'canceled');

    const account = await (await chrome.context()).newPage();
    await signInAsAccount(account, server);
    await account.goto(`${server.url}/console/sims/${sid}`);
    await account.locator('#props-title + .props .badge', { hasText: 'canceled' }).waitFor();
    assert.deepEqual(errors, []);
  });

  test('the operator inspects a callback and replays it', async () => {
    const { sid } = await simAt(server, 'active');
    await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'suspended', CallbackUrl: `${receiver.url}/replayed` } });
    await receiver.waitFor('/replayed', 1);
    const page = await (await chrome.context()).newPage();
    await signInAsOperator(page, server);
    await page.goto(`${server.url}/console/operator/callbacks?sim=${sid}`);
    await page.locator('table a', { hasText: /^#\d+$/ }).first().click();
    await page.getByRole('heading', { name: /^Callback #\d+$/ }).waitFor();
    const original = (await page.getByRole('heading', { name: /^Callback #\d+$/ }).innerText()).slice('Callback #'.length);
    await page.getByText('SimStatus').waitFor();
    await page.getByRole('button', { name: 'Replay' }).click();
    await page.getByText(`of callback #${original} is on its way`).waitFor();
    await page.getByText(`replay of #${original}`).waitFor();
    const received = await receiver.waitFor('/replayed', 2);
    assert.deepEqual(received[1].params, received[0].params, 'the replay sends the same parameters');
    await screenshot(page, 'callback');
  });

  test('dead jobs come first and can be retried', async () => {
    const { sid } = await simAt(server, 'active');
    await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'suspended', CallbackUrl: `${receiver.url}/broken` } });
    const dead: { id: number }[] = await until('the callback job is dead', async () => (await server.admin('GET', `/admin/v1/Jobs?sim_sid=${sid}&state=dead`)).body.jobs, (jobs: { id: number }[]) => jobs.length === 1);
    const page = await (await chrome.context()).newPage();
    await signInAsOperator(page, server);
    await page.goto(`${server.url}/console/operator/jobs`);
    await page.getByRole('heading', { name: 'Dead jobs' }).waitFor();
    await screenshot(page, 'jobs');
    await page.getByRole('button', { name: `Retry job ${dead[0].id}` }).click();
    await page.getByText(`Job ${dead[0].id} (callback.deliver) runs again.`).waitFor();
    await until('the job is not dead any more', async () => (await server.admin('GET', `/admin/v1/Jobs?sim_sid=${sid}&state=dead`)).body.jobs, (jobs: unknown[]) => jobs.length === 0);
  });

  test('the device simulator uses data, and the SIM page charts it', async () => {
    const { sid } = await simAt(server, 'active');
    const page = await (await chrome.context()).newPage();
    await signInAsOperator(page, server);
    await page.goto(`${server.url}/console/operator/devices?sim=${sid}`);
    await page.getByLabel('Download (MB)').fill('2');
    await page.getByRole('button', { name: 'Use data now' }).click();
    await page.getByText(/Data session WN[0-9a-f]+: 2\.1 MB carried\./).waitFor();
    await page.getByRole('button', { name: 'Go offline' }).click();
    await page.getByText('The device is offline.').waitFor();
    await page.getByRole('button', { name: 'Send from the device' }).click();

    const account = await (await chrome.context()).newPage();
    await signInAsAccount(account, server);
    await account.goto(`${server.url}/console/sims/${sid}`);
    await account.locator('canvas#usage-days[data-drawn="1"]').waitFor();
    assert.match((await account.locator('#usage').textContent()) ?? '', /2\.1 MB/);
    assert.equal(await account.locator('section[aria-labelledby="sessions-title"] tbody tr').count(), 1);
  });

  test('the operator imports a CSV of cards with progress and lists the unregistered ones', async () => {
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInAsOperator(page, server);
    await page.goto(`${server.url}/console/operator/inventory`);
    const lines = ['iccid,registration_code'];
    const { withCheckDigit } = await import('../../src/domain/iccid.js');
    for (let i = 0; i < 2500; i++) lines.push(`${withCheckDigit(`89770${String(i).padStart(13, '0')}`)},CODE${i}`);
    lines.push('1234,bad-row');
    await page.getByLabel('CSV file').setInputFiles({ name: 'cards.csv', mimeType: 'text/csv', buffer: Buffer.from(lines.join('\n')) });
    await page.getByRole('button', { name: 'Import' }).click();
    await page.getByText('2501 rows: 2500 imported, 0 already known, 1 rejected (first: line 2502').waitFor();
    assert.equal(await page.locator('progress').evaluate((p: HTMLProgressElement) => p.value === p.max), true);
    await page.goto(`${server.url}/console/operator/inventory`);
    assert.ok((await page.locator('section[aria-labelledby="unregistered-title"] tbody tr').count()) === 50);
    await screenshot(page, 'inventory');
    assert.deepEqual(errors, []);
  });
});
