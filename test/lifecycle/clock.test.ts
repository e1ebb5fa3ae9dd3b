import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { settledAt, simAt, simEvents, simNow, startFastServer, until } from '../helpers/lifecycle.js';
import { addMonths } from '../../src/domain/sims/lifecycle.js';

const iso = (ms: number) => new Date(ms).toISOString();

describe('emulated time and timers', () => {
  let server: TestServer;
  before(async () => {
    server = await startFastServer();
  });
  after(() => server.close());
  afterEach(async () => {
    await server.admin('POST', '/admin/v1/Network', { available: true, failure_rate: 0 });
  });

  const setClock = async (body: unknown) => {
    const res = await server.admin('POST', '/admin/v1/Clock', body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.finished, true);
    return res.body as { now: string; offset_ms: number; jobs_run: number };
  };

  it('moves forward, never backwards, and refuses malformed requests', async () => {
    const start = (await server.admin('GET', '/admin/v1/Clock')).body;
    assert.ok(Math.abs(Date.parse(start.now) - Date.now() - start.offset_ms) < 5000);
    const advanced = await setClock({ advance_seconds: 3600 });
    assert.ok(Date.parse(advanced.now) >= Date.parse(start.now) + 3600_000);
    const target = Date.parse(advanced.now) + 86_400_000;
    const set = await setClock({ now: iso(target) });
    assert.ok(Date.parse(set.now) >= target);
    for (const bad of [{ now: iso(target - 3600_000) }, { advance_seconds: -1 }, {}, { advance_seconds: 1, now: iso(target) }, { now: 'tomorrow' }, { advance_seconds: '5' }, { advance_seconds: 1e12 }, { now: '+275760-09-13T00:00:00.000Z' }]) {
      const res = await server.admin('POST', '/admin/v1/Clock', bad);
      assert.equal(res.status, 400, JSON.stringify(bad));
    }
    const after = (await server.admin('GET', '/admin/v1/Clock')).body;
    assert.ok(Date.parse(after.now) >= target, 'a refused move leaves the clock where it was');
    // The API's dates follow emulated time.
    const { sid } = await simAt(server, 'new');
    const fetched = await server.client().wireless.v1.sims(sid).fetch();
    assert.ok(fetched.dateCreated.getTime() >= target - 1000);
  });

  it('activates a ready SIM three months after it became ready, not a second earlier', async () => {
    const { sid } = await simAt(server, 'ready');
    const readyAt = (await simNow(server, sid)).date_updated;
    const due = addMonths(readyAt, 3);
    await setClock({ now: iso(due - 1000) });
    assert.equal((await simNow(server, sid)).status, 'ready');
    await setClock({ now: iso(due + 1000) });
    const sim = await simNow(server, sid);
    assert.equal(sim.status, 'active');
    assert.equal(sim.date_updated, due, 'the move happened at its due time');
    const events = await simEvents(server, sid);
    const last = events[events.length - 1];
    assert.deepEqual(last.properties, { status: { previous: 'ready', updated: 'active' } });
    assert.equal(last.actorSid, null, 'an automatic move is the system’s');
  });

  it('cancels a deactivated SIM 72 hours after deactivation', async () => {
    const { sid } = await simAt(server, 'deactivated');
    const deactivatedAt = (await simNow(server, sid)).date_updated;
    await setClock({ now: iso(deactivatedAt + 72 * 3600_000 - 1000) });
    assert.equal((await simNow(server, sid)).status, 'deactivated');
    await setClock({ advance_seconds: 2 });
    assert.equal((await simNow(server, sid)).status, 'canceled');
    const events = await simEvents(server, sid);
    assert.deepEqual(events[events.length - 1].properties, { status: { previous: 'deactivated', updated: 'canceled' } });
    // Canceled is terminal, and a canceled SIM may be deleted.
    const refused = await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'active' } });
    assert.equal(refused.status, 400);
    assert.equal((await server.request('DELETE', `/v1/Sims/${sid}`)).status, 204);
  });

  it('records the suspended fee after three months suspended, then monthly, and the SIM stays suspended', async () => {
    const { sid } = await simAt(server, 'suspended');
    const suspendedAt = (await simNow(server, sid)).date_updated;
    await setClock({ now: iso(addMonths(suspendedAt, 3) - 1000) });
    assert.deepEqual(await server.wisp.store.fees.list(sid), []);
    await setClock({ now: iso(addMonths(suspendedAt, 5) + 1000) });
    const fees = await server.wisp.store.fees.list(sid);
    assert.deepEqual(
      fees.map((f) => [f.period_start, f.period_end]),
      [3, 4, 5].map((m) => [addMonths(addMonths(suspendedAt, 3), m - 3), addMonths(addMonths(suspendedAt, 3), m - 2)]),
    );
    assert.equal((await simNow(server, sid)).status, 'suspended');
    const events = await server.client().monitor.v1.events.list({ resourceSid: sid });
    assert.equal(events.filter((e) => e.eventType === 'wireless-sim.suspended-fee').length, 3);
  });

  it('drops a timer when the status changes first', async () => {
    const client = server.client();
    const ready = await simAt(server, 'ready');
    await client.wireless.v1.sims(ready.sid).update({ status: 'deactivated' });
    await settledAt(server, ready.sid, 'deactivated');
    const suspended = await simAt(server, 'suspended');
    await client.wireless.v1.sims(suspended.sid).update({ status: 'active' });
    await settledAt(server, suspended.sid, 'active');
    await setClock({ advance_seconds: 200 * 86_400 });
    // Deactivated → canceled still happens; ready → active and the fee do not.
    assert.equal((await simNow(server, ready.sid)).status, 'canceled');
    assert.deepEqual(
      (await simEvents(server, ready.sid)).map((e) => e.properties.status?.updated ?? null),
      [null, 'ready', 'deactivated', 'canceled'],
    );
    assert.equal((await simNow(server, suspended.sid)).status, 'active');
    assert.deepEqual(await server.wisp.store.fees.list(suspended.sid), []);
  });

  it('holds a timer while a change is in flight, and runs it late if the change is rejected', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'ready');
    await server.admin('POST', '/admin/v1/Network', { available: false });
    await client.wireless.v1.sims(sid).update({ status: 'suspended' });
    await setClock({ advance_seconds: 120 * 86_400 });
    assert.equal((await simNow(server, sid)).status, 'scheduled', 'the timer waits for the outcome');
    await server.admin('POST', '/admin/v1/Network', { available: true, failure_rate: 1 });
    // Rejected: back to ready, and the overdue activation runs at once.
    await settledAt(server, sid, 'active');
    const statuses = (await simEvents(server, sid)).map((e) => e.properties.status?.updated ?? null);
    assert.deepEqual(statuses, [null, 'ready', 'active']);
  });

  it('runs every timer that falls due, in due order, within one clock move', async () => {
    const a = await simAt(server, 'deactivated');
    const b = await simAt(server, 'ready');
    const c = await simAt(server, 'suspended');
    const moved = await setClock({ advance_seconds: 365 * 86_400 });
    assert.ok(moved.jobs_run >= 3);
    assert.equal((await simNow(server, a.sid)).status, 'canceled');
    assert.equal((await simNow(server, b.sid)).status, 'active');
    const fees = await server.wisp.store.fees.list(c.sid);
    assert.ok(fees.length >= 9, `monthly fees for the months past the third: ${fees.length}`);
    for (let i = 1; i < fees.length; i++) assert.equal(fees[i].period_start, fees[i - 1].period_end, 'fee periods follow each other');
    const events = await server.client().monitor.v1.events.list({ resourceSid: c.sid });
    const dates = events.map((e) => e.eventDate.getTime());
    assert.deepEqual(dates, [...dates].sort((x, y) => y - x), 'events are dated when each timer fell due');
    await until('nothing due is left', async () => (await server.wisp.store.jobs.countDue(Date.parse(moved.now))).pending, (n) => n === 0);
  });
});
