import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { freshIccid } from '../helpers/server.js';
import { startReceiver, until, type Receiver } from '../helpers/lifecycle.js';
import { ACCOUNT_SID, AUTH_TOKEN, FAST_ENGINE, adminCall, registerThrough, startWispProcess, stopProcess, type WispProcess } from '../helpers/processes.js';
import { startLoris, type Loris } from '../helpers/slow-receivers.js';

// WISP_CALLBACK_PER_ACCOUNT holds across processes: two workers on one PostgreSQL database,
// each with callback slots to spare, never run more than that many deliveries of one account at
// once. Leases are taken one at a time across processes (an advisory lock), and each counts
// every worker's running deliveries of the account. PostgreSQL only: SQLite has one writer.

const PER_ACCOUNT = 2;
const BASIC = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');

describe('the per-account callback limit across processes', () => {
  let database: TestDatabase;
  let loris: Loris;
  let receiver: Receiver;
  const processes: WispProcess[] = [];
  before(async () => {
    database = await createTestDatabaseUrl();
    if (database.dialect !== 'postgres') throw new Error('this file needs TEST_DATABASE_URL (npm test runs it in the PostgreSQL pass)');
    loris = await startLoris();
    receiver = await startReceiver();
    const env = { ...FAST_ENGINE, WISP_CALLBACK_CONCURRENCY: '8', WISP_CALLBACK_PER_ACCOUNT: String(PER_ACCOUNT), WISP_CALLBACK_TIMEOUT_MS: '60000', WISP_CALLBACK_MAX_ATTEMPTS: '1' };
    // The first process creates the schema; the workers start together.
    processes.push(await startWispProcess(database.url, { ...env, WISP_ROLE: 'api' }));
    processes.push(...(await Promise.all([1, 2].map(() => startWispProcess(database.url, { ...env, WISP_ROLE: 'worker' })))));
  });
  after(async () => {
    for (const p of processes) await stopProcess(p);
    await loris.close();
    await receiver.close();
    await database.cleanup();
  });

  const post = (url: string, path: string, form: Record<string, string>, auth = BASIC) =>
    fetch(url + path, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });

  it("never runs more deliveries of one account at once than the limit, while the workers go on leasing another's", async () => {
    const url = processes[0].url as string;
    const slowSims = await registerThrough(url, Array.from({ length: 12 }, (_, i) => ({ iccid: freshIccid(), registration_code: `CAP${i}` })));
    for (const sid of slowSims) assert.equal((await post(url, `/v1/Sims/${sid}`, { Status: 'deactivated', CallbackUrl: `${loris.url}/${sid}` })).status, 200);
    // The workers have 16 callback slots between them; the account may use 2.
    await until('the limit is in use', async () => loris.open, (n) => n === PER_ACCOUNT, { tries: 500 });

    // Another account's callbacks are leased and delivered meanwhile, by whichever worker: each
    // of those leases counted the slow account's running deliveries across the processes.
    const fine = (await (await post(url, '/2010-04-01/Accounts.json', { FriendlyName: 'fine' })).json()) as { sid: string; auth_token: string };
    const fineAuth = 'Basic ' + Buffer.from(`${fine.sid}:${fine.auth_token}`).toString('base64');
    const cards = Array.from({ length: 6 }, (_, i) => ({ iccid: freshIccid(), registration_code: `FINE${i}` }));
    assert.equal((await adminCall(url, 'POST', '/admin/v1/Inventory/Sims', { sims: cards })).status, 200);
    for (const [i, card] of cards.entries()) {
      const registered = await post(url, '/v1/Sims', { Iccid: card.iccid, RegistrationCode: card.registration_code }, fineAuth);
      const { sid } = (await registered.json()) as { sid: string };
      assert.equal((await post(url, `/v1/Sims/${sid}`, { Status: 'deactivated', CallbackUrl: `${receiver.url}/fine-${i}` }, fineAuth)).status, 200);
    }
    for (let i = 0; i < cards.length; i++) await receiver.waitFor(`/fine-${i}`, 1);

    assert.equal(loris.most, PER_ACCOUNT, 'never more than the limit at once');
    const running = (await adminCall(url, 'GET', '/admin/v1/Jobs?state=running&kind=callback.deliver&limit=100')).body.jobs as { sim_sid: string }[];
    // The fine account's last delivery may still be recording its answer: count the slow one's.
    assert.equal(running.filter((job) => slowSims.includes(job.sim_sid)).length, PER_ACCOUNT);
  });
});
