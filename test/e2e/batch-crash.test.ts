import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { freshIccid } from '../helpers/server.js';
import { type Receiver, startReceiver, until } from '../helpers/lifecycle.js';
import { ACCOUNT_SID, AUTH_TOKEN, FAST_ENGINE, type WispProcess, registerThrough, startWispProcess, stopProcess } from '../helpers/processes.js';

// A batch of SIM changes in a real Wisp process, killed with SIGKILL mid-batch and restarted:
// every item is applied exactly once (one change, one Monitor event per SIM), and every SIM's
// callback and the batch's own are delivered at least once.

const SIMS = 400;
// Small chunks, so the batch takes many runs and the kill lands inside it.
const ENGINE = { ...FAST_ENGINE, WISP_BATCH_CHUNK: '4' };

function call(url: string, method: string, path: string, form?: Record<string, string | string[]>): Promise<{ status: number; body: any }> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(form ?? {})) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
  return fetch(url + path, {
    method,
    headers: { authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
    body: form ? body.toString() : undefined,
  }).then(async (res) => ({ status: res.status, body: await res.json() }));
}

describe('a batch survives SIGKILL', () => {
  let database: TestDatabase;
  let hook: Receiver;
  let wisp: WispProcess | null = null;
  before(async () => {
    database = await createTestDatabaseUrl();
    hook = await startReceiver();
  });
  after(async () => {
    await stopProcess(wisp);
    await hook.close();
    await database.cleanup();
  });

  const ended = (url: () => string, sid: string) =>
    until(`batch ${sid} completes`, async () => (await call(url(), 'GET', `/wisp/v1/SimBatches/${sid}`)).body, (b) => b.status === 'completed', { tries: 1500 });

  it('applies every item exactly once and delivers every callback after a SIGKILL mid-batch', async () => {
    wisp = await startWispProcess(database.url, ENGINE);
    const url = () => (wisp as WispProcess).url as string;
    const sids = await registerThrough(url(), Array.from({ length: SIMS }, (_, i) => ({ iccid: freshIccid(), registration_code: `BULK${i}` })));
    const plan = await call(url(), 'POST', '/v1/RatePlans', { UniqueName: 'bulk-crash' });
    // Set up with a batch: every new SIM on the plan, active.
    const setup = await call(url(), 'POST', '/wisp/v1/SimBatches', { 'Filter.Status': 'new', RatePlan: plan.body.sid, Status: 'active' });
    assert.equal(setup.status, 201, JSON.stringify(setup.body));
    await ended(url, setup.body.sid);
    await until('every SIM active', async () => (await call(url(), 'GET', '/v1/Sims?Status=active&PageSize=1000')).body.sims.length, (n) => n === SIMS, { tries: 1000 });

    const created = await call(url(), 'POST', '/wisp/v1/SimBatches', { 'Filter.Status': 'active', Status: 'suspended', SimCallbackUrl: `${hook.url}/sim`, CallbackUrl: `${hook.url}/batch` });
    assert.equal(created.status, 201);
    const sid = created.body.sid as string;
    const atKill = await until('the batch is under way', async () => (await call(url(), 'GET', `/wisp/v1/SimBatches/${sid}`)).body, (b) => b.counts.applied >= 40, { tries: 1500, intervalMs: 5 });
    const running = wisp;
    running.child.kill('SIGKILL');
    assert.equal((await running.exited).signal, 'SIGKILL');
    assert.ok(atKill.counts.applied < SIMS, `killed mid-batch (${atKill.counts.applied} of ${SIMS} applied when last seen)`);

    wisp = await startWispProcess(database.url, ENGINE);
    const done = await ended(url, sid);
    assert.deepEqual(done.counts, { total: SIMS, applied: SIMS, refused: 0, skipped: 0, pending: 0 });
    await until('every SIM suspended', async () => (await call(url(), 'GET', '/v1/Sims?Status=suspended&PageSize=1000')).body.sims.length, (n) => n === SIMS, { tries: 1000 });

    // Exactly once: one item per SIM, applied, and one change to suspended in each SIM's events.
    const items: any[] = [];
    for (let path: string | null = `/wisp/v1/SimBatches/${sid}/Items?PageSize=1000`; path; ) {
      const page: { status: number; body: any } = await call(url(), 'GET', path);
      items.push(...page.body.items);
      path = page.body.meta.next_page_url ? page.body.meta.next_page_url.slice(url().length) : null;
    }
    assert.equal(items.length, SIMS);
    assert.deepEqual(new Set(items.map((i) => i.sim_sid)), new Set(sids));
    assert.ok(items.every((i) => i.outcome === 'applied'));
    const suspensions = new Map<string, number>();
    for (let path: string | null = '/v1/Events?EventType=wireless-sim.updated&PageSize=1000'; path; ) {
      const page: { status: number; body: any } = await call(url(), 'GET', path);
      for (const event of page.body.events) {
        if (event.event_data.resource_properties.status?.updated === 'suspended') suspensions.set(event.resource_sid, (suspensions.get(event.resource_sid) ?? 0) + 1);
      }
      path = page.body.meta.next_page_url ? page.body.meta.next_page_url.slice(url().length) : null;
    }
    assert.equal(suspensions.size, SIMS);
    assert.deepEqual([...suspensions.values()].filter((n) => n !== 1), [], 'each SIM suspended once');

    // At least once: every SIM's callback, and the batch's, signed.
    const heard = () => new Set(hook.at('/sim').filter((r) => r.params.SimStatus === 'suspended').map((r) => r.params.SimSid));
    await until('every SIM callback delivered', async () => heard().size, (n) => n === SIMS, { tries: 1000 });
    const [end] = await hook.waitFor('/batch', 1);
    assert.equal(end.params.BatchStatus, 'completed');
    assert.equal(end.params.Applied, String(SIMS));
    for (const r of hook.requests) assert.ok(twilio.validateRequest(AUTH_TOKEN, String(r.headers['x-twilio-signature']), r.url, r.params));
  });
});
