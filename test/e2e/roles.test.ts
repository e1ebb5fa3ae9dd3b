import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { freshIccid } from '../helpers/server.js';
import { type Receiver, startReceiver, until } from '../helpers/lifecycle.js';
import { type WispProcess, adminCall, clientFor, pool, registerThrough, startWispProcess, stopProcess } from '../helpers/processes.js';

// WISP_ROLE splits the HTTP API from the job worker: the API process accepts changes, a worker
// process on the same database applies them and calls back, and the clock is shared.

const ENGINE = { WISP_OPERATOR_LATENCY_MS: '5', WISP_WORKER_POLL_MS: '25', WISP_JOB_LEASE_MS: '2000' };

describe('split api and worker processes', () => {
  let database: TestDatabase;
  let hook: Receiver;
  let api: WispProcess | null = null;
  let worker: WispProcess | null = null;
  before(async () => {
    database = await createTestDatabaseUrl();
    hook = await startReceiver();
  });
  after(async () => {
    await stopProcess(api);
    await stopProcess(worker);
    await hook.close();
    await database.cleanup();
  });

  it('accepts changes in the api process and applies them in the worker process', async () => {
    api = await startWispProcess(database.url, { ...ENGINE, WISP_ROLE: 'api' });
    const url = api.url as string;
    const client = clientFor(url);
    const plan = await client.wireless.v1.ratePlans.create({});
    const sids = await registerThrough(url, Array.from({ length: 30 }, (_, i) => ({ iccid: freshIccid(), registration_code: `ROLE${i}` })));
    await pool(sids, 8, async (sid) => {
      const answer = await client.wireless.v1.sims(sid).update({ ratePlan: plan.sid, status: 'active', callbackUrl: `${hook.url}/role/${sid}` });
      assert.equal(answer.status, 'updating');
    });
    // With no worker anywhere, nothing moves.
    assert.equal((await client.wireless.v1.sims.list({ status: 'updating' })).length, sids.length);

    worker = await startWispProcess(database.url, { ...ENGINE, WISP_ROLE: 'worker' });
    assert.equal(worker.url, null, 'a worker serves no HTTP');
    await until('the worker applies every change', async () => (await client.wireless.v1.sims.list({ status: 'active' })).length, (n) => n === sids.length, { tries: 500 });
    await until('and calls back', async () => sids.filter((sid) => hook.at(`/role/${sid}`).length === 0).length, (n) => n === 0, { tries: 500 });

    // Changes keep flowing while the worker applies them (on SQLite the two processes take turns).
    await pool(sids, 8, async (sid) => {
      await client.wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/role/${sid}` });
    });
    await until('the second wave is applied', async () => (await client.wireless.v1.sims.list({ status: 'suspended' })).length, (n) => n === sids.length, { tries: 500 });
    await until('and called back', async () => sids.filter((sid) => hook.at(`/role/${sid}`).length < 2).length, (n) => n === 0, { tries: 500 });

    // The clock is shared: moving it in the api process moves it for the worker.
    const [sid] = sids;
    await client.wireless.v1.sims(sid).update({ status: 'deactivated' });
    await until('deactivated', async () => (await client.wireless.v1.sims(sid).fetch()).status, (s) => s === 'deactivated', { tries: 500 });
    const moved = await adminCall(url, 'POST', '/admin/v1/Clock', { advance_seconds: 73 * 3600 });
    assert.equal(moved.status, 200);
    assert.equal((await client.wireless.v1.sims(sid).fetch()).status, 'canceled');

    worker.child.kill('SIGTERM');
    assert.equal((await worker.exited).code, 0);
    const output = api.output() + worker.output();
    assert.doesNotMatch(output, /SQLITE_BUSY|database is locked|"level":50/, 'no errors logged');
  });
});
