import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { startFastServer } from '../helpers/lifecycle.js';
import { assertTwilioError } from '../helpers/spec.js';
import { registerSims, subaccount } from '../helpers/sims.js';
import { activeSims, allItems, batchEnded, batchRequest, createBatch, statuses } from './helpers.js';

// Watching and controlling batches: cancel, StartAt on the emulated clock, idempotency keys,
// tenancy, and bad input that changes nothing.

describe('SimBatches: schedule, cancel, idempotency, tenancy and bad input', () => {
  let server: TestServer;
  before(async () => {
    server = await startFastServer();
  });
  after(async () => server.close());

  const hourFromNow = async () => {
    const clock = await server.admin('GET', '/admin/v1/Clock');
    return new Date(Date.parse(clock.body.now) + 3600_000).toISOString();
  };

  it('waits for StartAt in emulated time, and runs once the clock passes it', async () => {
    const sims = await activeSims(server, 3);
    const startAt = await hourFromNow();
    const batch = await createBatch(server, { Sims: sims.map((s) => s.sid), Status: 'suspended', StartAt: startAt });
    assert.equal(batch.status, 'queued');
    assert.equal(batch.start_at, startAt.replace(/\.\d{3}Z$/, 'Z'));
    const still = await batchRequest(server, 'GET', `/wisp/v1/SimBatches/${batch.sid}`);
    assert.equal(still.body.status, 'queued');
    assert.equal(still.body.counts.pending, 3);
    assert.deepEqual(await statuses(server, sims), ['active', 'active', 'active']);
    assert.equal((await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 7200 })).status, 200);
    const done = await batchEnded(server, batch.sid);
    assert.equal(done.status, 'completed');
    assert.equal(done.counts.applied, 3);
  });

  it('cancels a batch: the items not yet started are skipped and their SIMs left alone; a finished batch cannot be canceled', async () => {
    const sims = await activeSims(server, 3);
    const batch = await createBatch(server, { Sims: sims.map((s) => s.sid), Status: 'suspended', StartAt: await hourFromNow() });
    const bad = await batchRequest(server, 'POST', `/wisp/v1/SimBatches/${batch.sid}`, { Status: 'running' });
    assertTwilioError(bad.body, 400, 20001);
    const canceled = await batchRequest(server, 'POST', `/wisp/v1/SimBatches/${batch.sid}`, { Status: 'canceled' });
    assert.equal(canceled.status, 200, JSON.stringify(canceled.body));
    assert.equal(canceled.body.status, 'canceled');
    assert.deepEqual(canceled.body.counts, { total: 3, applied: 0, refused: 0, skipped: 3, pending: 0 });
    const skipped = await allItems(server, batch.sid, '&Outcome=skipped');
    assert.equal(skipped.length, 3);
    assert.ok(skipped.every((i) => /canceled/.test(i.error_message) && i.error_code === null));
    // Past its StartAt, nothing runs.
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 7200 });
    assert.deepEqual(await statuses(server, sims), ['active', 'active', 'active']);
    const again = await batchRequest(server, 'POST', `/wisp/v1/SimBatches/${batch.sid}`, { Status: 'canceled' });
    assertTwilioError(again.body, 409, 20409);
    const listed = await batchRequest(server, 'GET', '/wisp/v1/SimBatches?Status=canceled');
    assert.deepEqual(listed.body.sim_batches.map((b: any) => b.sid), [batch.sid]);
  });

  it('returns the same batch for the same idempotency key, header or parameter, and refuses the key for another request (409)', async () => {
    const sims = await activeSims(server, 2);
    const form = { Sims: sims.map((s) => s.sid), Status: 'suspended', StartAt: await hourFromNow() };
    const headers = (token: string) => ({
      authorization: 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
      'i-twilio-idempotency-token': token,
    });
    const body = (f: Record<string, string | string[]>) => {
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries(f)) for (const x of Array.isArray(v) ? v : [v]) qs.append(k, x);
      return qs.toString();
    };
    const send = (token: string, f: Record<string, string | string[]>) => fetch(`${server.url}/wisp/v1/SimBatches`, { method: 'POST', headers: headers(token), body: body(f) });
    const first = await send('key-1', form);
    assert.equal(first.status, 201);
    const created = await first.json();
    const second = await send('key-1', form);
    assert.equal(second.status, 200);
    assert.equal((await second.json()).sid, created.sid);
    const viaParam = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { ...form, IdempotencyToken: 'key-1' });
    assert.equal(viaParam.body.sid, created.sid);
    const other = await send('key-1', { ...form, Status: 'deactivated' });
    assertTwilioError(await other.json(), 409, 20409);
    assert.equal(other.status, 409);
    const listed = await batchRequest(server, 'GET', '/wisp/v1/SimBatches?PageSize=100');
    assert.equal(listed.body.sim_batches.filter((b: any) => b.sid === created.sid).length, 1);
    // Another key is another batch; after 24 hours the key is free again.
    assert.equal((await send('key-2', form)).status, 201);
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 25 * 3600 });
    const later = await send('key-1', { ...form, Status: 'deactivated', StartAt: await hourFromNow() });
    assert.equal(later.status, 201);
    assert.notEqual((await later.json()).sid, created.sid);
  });

  it("never touches another account's SIMs; a master includes its subaccounts' only when asked", async () => {
    const sub = await subaccount(server, 'bulk tenant');
    const subAuth: [string, string] = [sub.sid, sub.auth_token];
    const theirs = await activeSims(server, 2, sub);
    const mine = await activeSims(server, 1);
    // The subaccount lists the master's SIM: not found, untouched.
    const listed = await createBatch(server, { Sims: [mine[0].sid, theirs[0].sid], Status: 'suspended' }, subAuth);
    const done = await batchEnded(server, listed.sid, subAuth);
    assert.deepEqual(done.counts, { total: 2, applied: 1, refused: 1, skipped: 0, pending: 0 });
    assert.deepEqual(done.refusals, [{ code: 20404, count: 1 }]);
    assert.deepEqual(await statuses(server, mine), ['active']);
    // The subaccount sees its batch; another account does not.
    const foreign = await batchRequest(server, 'GET', `/wisp/v1/SimBatches/${listed.sid}`, undefined, [sub.sid, sub.auth_token]);
    assert.equal(foreign.status, 200);
    const other = await subaccount(server, 'another tenant');
    const hidden = await batchRequest(server, 'GET', `/wisp/v1/SimBatches/${listed.sid}`, undefined, [other.sid, other.auth_token]);
    assertTwilioError(hidden.body, 404, 20404);
    // A filter of the subaccount selects its own SIMs only.
    const own = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { 'Filter.Status': 'active', Status: 'suspended', DryRun: 'true' }, subAuth);
    assert.equal(own.body.total, 1, 'its one SIM still active');
    // The master's filter: its own SIMs, and with IncludeSubaccounts its subaccounts' too.
    const masterOnly = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { 'Filter.Status': 'active', Status: 'suspended', DryRun: 'true' });
    const withSubs = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { 'Filter.Status': 'active', Status: 'suspended', DryRun: 'true', IncludeSubaccounts: 'true' });
    assert.equal(withSubs.body.total, masterOnly.body.total + 1);
    const subRefused = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', { 'Filter.Status': 'active', Status: 'suspended', IncludeSubaccounts: 'true' }, subAuth);
    assertTwilioError(subRefused.body, 400, 20001);
  });

  it('refuses bad input with a Twilio error and changes nothing', async () => {
    const sims = await activeSims(server, 1);
    const count = async () => (await batchRequest(server, 'GET', '/wisp/v1/SimBatches?PageSize=1000')).body.sim_batches.length;
    const before = await count();
    const cases: Record<string, string | string[]>[] = [
      { Status: 'suspended' },
      { Sims: sims[0].sid },
      { Sims: sims[0].sid, 'Filter.Status': 'active', Status: 'suspended' },
      { Sims: sims[0].sid, Status: 'asleep' },
      { Sims: sims[0].sid, Status: 'suspended', StartAt: 'tomorrow' },
      { Sims: sims[0].sid, Status: 'suspended', ResetStatus: 'resetting' },
      { Sims: sims[0].sid, Status: 'suspended', CallbackUrl: 'not a url' },
      { Sims: sims[0].sid, Status: 'suspended', DryRun: 'maybe' },
      { 'Filter.Status': 'sleeping', Status: 'suspended' },
      { Sims: Array.from({ length: 10_001 }, (_, i) => `name-${i}`), Status: 'suspended' },
    ];
    for (const form of cases) {
      const res = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', form);
      assertTwilioError(res.body, 400, 20001);
    }
    assert.equal(await count(), before);
    assert.deepEqual(await statuses(server, sims), ['active']);
    const unknown = await batchRequest(server, 'GET', '/wisp/v1/SimBatches/WB00000000000000000000000000000000');
    assertTwilioError(unknown.body, 404, 20404);
    const badOutcome = await batchRequest(server, 'GET', `/wisp/v1/SimBatches/WB00000000000000000000000000000000/Items?Outcome=lost`);
    assertTwilioError(badOutcome.body, 400, 20001);
    const noAuth = await server.request('GET', '/wisp/v1/SimBatches', { auth: null });
    assert.equal(noAuth.status, 401);
  });

  it('pages through items and batches with Twilio paging', async () => {
    const sims = await registerSims(server, 7);
    const batch = await createBatch(server, { Sims: sims.map((s) => s.sid), FriendlyName: 'paged' });
    await batchEnded(server, batch.sid);
    const first = await batchRequest(server, 'GET', `/wisp/v1/SimBatches/${batch.sid}/Items?PageSize=3`);
    assert.equal(first.body.items.length, 3);
    assert.equal(first.body.meta.key, 'items');
    assert.equal(first.body.meta.page_size, 3);
    const all = await allItems(server, batch.sid);
    assert.deepEqual(all.map((i) => i.sim_sid), sims.map((s) => s.sid));
    assert.ok(all.every((i) => i.outcome === 'applied'));
    const named = await Promise.all(sims.map(async (s) => (await server.wisp.store.sims.get(s.sid))!.friendly_name));
    assert.ok(named.every((n) => n === 'paged'));
  });

  it('deletes finished batches and their items once WISP_BATCH_RETENTION_HOURS has passed', async () => {
    const sims = await registerSims(server, 2);
    const batch = await createBatch(server, { Sims: sims.map((s) => s.sid), FriendlyName: 'kept a while' });
    await batchEnded(server, batch.sid);
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 700 * 3600 });
    await server.wisp.engine.pruner.prune();
    assert.equal((await batchRequest(server, 'GET', `/wisp/v1/SimBatches/${batch.sid}`)).status, 200, 'kept within 720 hours');
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 30 * 3600 });
    await server.wisp.engine.pruner.prune();
    const gone = await batchRequest(server, 'GET', `/wisp/v1/SimBatches/${batch.sid}`);
    assertTwilioError(gone.body, 404, 20404);
    assert.equal((await server.wisp.store.simBatchItems.list(batch.sid, undefined, { limit: 10 })).items.length, 0);
  });
});
