import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type twilio from 'twilio';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError, rejection } from '../helpers/spec.js';
import { ValidatingRequestClient } from '../helpers/sdk.js';
import { registerSims, subaccount, waitForSim } from '../helpers/sims.js';
import { SYSTEM_ACTOR } from '../../src/domain/events.js';
import { recordSimUpdated } from '../../src/domain/sims/events.js';

type EventInstance = Awaited<ReturnType<ReturnType<twilio.Twilio['monitor']['v1']['events']>['fetch']>>;
type EventPage = NonNullable<Awaited<ReturnType<Awaited<ReturnType<twilio.Twilio['monitor']['v1']['events']['page']>>['nextPage']>>>;
type Change = { previous: unknown; updated: unknown };


/** Requests a change and waits until the Sim has settled at `status` (changes may apply in the background). */
async function change(client: twilio.Twilio, sid: string, params: { status: string; ratePlan?: string }) {
  await client.wireless.v1.sims(sid).update(params as Parameters<ReturnType<twilio.Twilio['wireless']['v1']['sims']>['update']>[0]);
  return waitForSim(client, sid, (s) => s.status === params.status);
}

const properties = (e: EventInstance) => (e.eventData as { resource_properties: Record<string, Change> }).resource_properties;

/**
 * The values one property took across a Sim's events (given newest first, as listed): the first
 * `previous` then every `updated`, checking that each event starts where the one before ended.
 */
function history(events: EventInstance[], key: 'status' | 'rate_plan_sid'): unknown[] {
  const values: unknown[] = [];
  for (const event of [...events].reverse()) {
    const c = properties(event)[key];
    if (!c) continue;
    if (values.length === 0) values.push(c.previous);
    else assert.equal(c.previous, values[values.length - 1], `event ${event.sid} continues the ${key} history`);
    assert.notEqual(c.updated, c.previous, `event ${event.sid} records a real ${key} change`);
    values.push(c.updated);
  }
  return values;
}

describe('Monitor Events through the SDK', () => {
  let server: TestServer;
  let client: twilio.Twilio;
  let planSid: string;
  let otherPlanSid: string;
  before(async () => {
    server = await startServer();
    client = server.client();
    planSid = (await client.wireless.v1.ratePlans.create({ uniqueName: 'events-a' })).sid;
    otherPlanSid = (await client.wireless.v1.ratePlans.create({ uniqueName: 'events-b' })).sid;
  });
  after(() => server.close());

  const simEvents = (c: twilio.Twilio, sid: string) => c.monitor.v1.events.list({ resourceSid: sid });

  it('records a status and rate-plan change with previous and updated values and every field', async () => {
    const [sim] = await registerSims(server, 1);
    await change(client, sim.sid, { status: 'ready', ratePlan: planSid });

    const events = await simEvents(client, sim.sid);
    assert.ok(events.length >= 1);
    assert.deepEqual(history(events, 'status').at(0), 'new');
    assert.deepEqual(history(events, 'status').at(-1), 'ready');
    assert.deepEqual(history(events, 'rate_plan_sid'), [null, planSid]);
    for (const e of events) {
      assert.match(e.sid, /^AE[0-9a-f]{32}$/);
      assert.equal(e.accountSid, server.accountSid);
      assert.equal(e.eventType, 'wireless-sim.updated');
      assert.equal(e.resourceType, 'sim');
      assert.equal(e.resourceSid, sim.sid);
      assert.equal(e.description, 'Sim updated');
      assert.equal(e.actorSid, server.accountSid);
      assert.equal(e.actorType, 'account');
      assert.equal(e.source, 'api');
      assert.equal(e.sourceIpAddress, '127.0.0.1');
      assert.ok(e.eventDate instanceof Date && !Number.isNaN(e.eventDate.getTime()));
      assert.equal(e.url, `${server.url}/v1/Events/${e.sid}`);
      assert.deepEqual(e.links, {
        actor: `${server.url}/2010-04-01/Accounts/${server.accountSid}.json`,
        resource: `${server.url}/v1/Sims/${sim.sid}`,
      });
      const fetched = await client.monitor.v1.events(e.sid).fetch();
      assert.deepEqual(fetched.toJSON(), e.toJSON());
    }
    // The links lead somewhere.
    const resource = await server.request('GET', `/v1/Sims/${sim.sid}`);
    assert.equal(resource.status, 200);
    const actor = await server.request('GET', `/2010-04-01/Accounts/${server.accountSid}.json`);
    assert.equal(actor.status, 200);
    const checker = client.httpClient as ValidatingRequestClient;
    assert.ok(checker instanceof ValidatingRequestClient && checker.checked > 0, 'responses were checked against the spec');
  });

  it('records each later status and plan change, and nothing for other updates', async () => {
    const [sim] = await registerSims(server, 1);
    await change(client, sim.sid, { status: 'active', ratePlan: planSid });
    await change(client, sim.sid, { status: 'suspended' });
    await client.wireless.v1.sims(sim.sid).update({ friendlyName: 'renamed only' });
    await change(client, sim.sid, { status: 'suspended' });
    await change(client, sim.sid, { status: 'active', ratePlan: otherPlanSid });

    const events = await simEvents(client, sim.sid);
    const statuses = history(events, 'status');
    assert.equal(statuses[0], 'new');
    assert.equal(statuses.at(-1), 'active');
    assert.ok(statuses.includes('suspended'));
    assert.deepEqual(history(events, 'rate_plan_sid'), [null, planSid, otherPlanSid]);
    for (const e of events) {
      assert.ok(Object.keys(properties(e)).every((k) => k === 'status' || k === 'rate_plan_sid'), 'only status and plan are recorded');
    }
  });

  it('names the API key as the actor when one was used', async () => {
    const key = await client.api.v2010.accounts(server.accountSid).newKeys.create({ friendlyName: 'events' });
    const keyClient = server.client(key.sid, key.secret, server.accountSid);
    const [sim] = await registerSims(server, 1);
    await change(keyClient, sim.sid, { status: 'ready', ratePlan: planSid });

    const events = await simEvents(keyClient, sim.sid);
    assert.ok(events.length >= 1);
    for (const e of events) {
      assert.equal(e.actorSid, key.sid);
      assert.equal(e.actorType, 'api-key');
      assert.equal(e.accountSid, server.accountSid);
      assert.equal(e.links.actor, `${server.url}/2010-04-01/Accounts/${server.accountSid}/Keys/${key.sid}.json`);
    }
    const actor = await server.request('GET', `/2010-04-01/Accounts/${server.accountSid}/Keys/${key.sid}.json`);
    assert.equal(actor.status, 200);
    const byActor = await client.monitor.v1.events.list({ actorSid: key.sid });
    assert.deepEqual(byActor.map((e) => e.sid).sort(), events.map((e) => e.sid).sort());
  });

  it('records subaccount changes in the subaccount, with the account that proved the request as actor', async () => {
    const sub = await subaccount(server, 'events sub');
    const subClient = server.client(sub.sid, sub.auth_token);
    const actAs = server.client(sub.sid, server.authToken);
    const subPlan = await subClient.wireless.v1.ratePlans.create();
    const [own, managed] = await registerSims(server, 2, sub);
    await change(subClient, own.sid, { status: 'ready', ratePlan: subPlan.sid });
    await change(actAs, managed.sid, { status: 'ready', ratePlan: subPlan.sid });

    for (const e of await simEvents(subClient, own.sid)) {
      assert.equal(e.accountSid, sub.sid);
      assert.equal(e.actorSid, sub.sid);
      assert.equal(e.actorType, 'account');
    }
    const managedEvents = await simEvents(subClient, managed.sid);
    assert.ok(managedEvents.length >= 1);
    for (const e of managedEvents) {
      assert.equal(e.accountSid, sub.sid);
      assert.equal(e.actorSid, server.accountSid, 'the master acting as the subaccount is the actor');
      assert.equal(e.links.actor, `${server.url}/2010-04-01/Accounts/${server.accountSid}.json`);
    }
  });

  it('records automatic changes with the system as actor and no source address', async () => {
    const [sim] = await registerSims(server, 1);
    await change(client, sim.sid, { status: 'ready', ratePlan: planSid });
    const settled = await server.wisp.store.sims.get(sim.sid);
    assert.ok(settled);
    const recorded = await server.wisp.store.transaction((tx) =>
      recordSimUpdated(tx, {
        sim: { ...settled, status: 'active' },
        previous: { status: 'ready' },
        actor: SYSTEM_ACTOR,
        source: 'system',
        sourceIpAddress: '10.0.0.9',
        now: server.wisp.engine.clock.now(),
      }),
    );
    assert.ok(recorded);
    const e = await client.monitor.v1.events(recorded.sid).fetch();
    assert.equal(e.actorSid, null);
    assert.equal(e.actorType, 'system');
    assert.equal(e.source, 'twilio');
    assert.equal(e.sourceIpAddress, null);
    assert.deepEqual(properties(e), { status: { previous: 'ready', updated: 'active' } });
    assert.deepEqual(e.links, { resource: `${server.url}/v1/Sims/${sim.sid}` });

    const unchanged = await server.wisp.store.transaction((tx) =>
      recordSimUpdated(tx, { sim: settled, previous: { status: settled.status }, actor: SYSTEM_ACTOR, source: 'system', sourceIpAddress: null, now: 0 }),
    );
    assert.equal(unchanged, null, 'no event without a change');
  });

  it('filters by ActorSid, EventType, ResourceSid and SourceIpAddress', async () => {
    const sub = await subaccount(server, 'filters');
    const subClient = server.client(sub.sid, sub.auth_token);
    const subPlan = await subClient.wireless.v1.ratePlans.create();
    const [a, b] = await registerSims(server, 2, sub);
    await change(subClient, a.sid, { status: 'ready', ratePlan: subPlan.sid });
    await change(subClient, b.sid, { status: 'active', ratePlan: subPlan.sid });
    const all = await subClient.monitor.v1.events.list();
    const ofA = all.filter((e) => e.resourceSid === a.sid).map((e) => e.sid);
    const ofB = all.filter((e) => e.resourceSid === b.sid).map((e) => e.sid);
    assert.ok(ofA.length >= 1 && ofB.length >= 1);
    assert.equal(ofA.length + ofB.length, all.length, "the subaccount's log holds only its SIMs' events");

    const sids = (events: EventInstance[]) => events.map((e) => e.sid);
    assert.deepEqual(sids(await subClient.monitor.v1.events.list({ resourceSid: a.sid })), ofA);
    assert.deepEqual(sids(await subClient.monitor.v1.events.list({ actorSid: sub.sid })), sids(all));
    assert.deepEqual(await subClient.monitor.v1.events.list({ actorSid: server.accountSid }), []);
    assert.deepEqual(sids(await subClient.monitor.v1.events.list({ eventType: 'wireless-sim.updated' })), sids(all));
    assert.deepEqual(await subClient.monitor.v1.events.list({ eventType: 'account.updated' }), []);
    assert.deepEqual(sids(await subClient.monitor.v1.events.list({ sourceIpAddress: '127.0.0.1' })), sids(all));
    assert.deepEqual(await subClient.monitor.v1.events.list({ sourceIpAddress: '192.0.2.1' }), []);
  });

  it('filters by StartDate and EndDate, inclusive to the second', async () => {
    const [sim] = await registerSims(server, 1);
    await change(client, sim.sid, { status: 'active', ratePlan: planSid });
    const events = await simEvents(client, sim.sid);
    const newest = events[0];
    const oldest = events[events.length - 1];
    const second = 1000;

    const within = await client.monitor.v1.events.list({ resourceSid: sim.sid, startDate: oldest.eventDate, endDate: newest.eventDate });
    assert.deepEqual(within.map((e) => e.sid), events.map((e) => e.sid));
    const fromNewest = await client.monitor.v1.events.list({ resourceSid: sim.sid, startDate: newest.eventDate });
    assert.ok(fromNewest.some((e) => e.sid === newest.sid));
    assert.ok(fromNewest.every((e) => e.eventDate >= newest.eventDate));
    const later = await client.monitor.v1.events.list({ resourceSid: sim.sid, startDate: new Date(newest.eventDate.getTime() + second) });
    assert.deepEqual(later, []);
    const earlier = await client.monitor.v1.events.list({ resourceSid: sim.sid, endDate: new Date(oldest.eventDate.getTime() - second) });
    assert.deepEqual(earlier, []);

    // A bare date covers the whole day; an offset is honoured.
    const day = oldest.eventDate.toISOString().slice(0, 10);
    const byDay = await server.request('GET', `/v1/Events?ResourceSid=${sim.sid}&StartDate=${day}&EndDate=${day}`);
    assert.equal(byDay.status, 200);
    assert.ok(byDay.body.events.some((e: { sid: string }) => e.sid === oldest.sid));
    const shifted = new Date(oldest.eventDate.getTime() + 2 * 3600_000).toISOString().slice(0, 19) + '+02:00';
    const byOffset = await server.request('GET', `/v1/Events?ResourceSid=${sim.sid}&StartDate=${encodeURIComponent(shifted)}`);
    assert.ok(byOffset.body.events.some((e: { sid: string }) => e.sid === oldest.sid));
  });

  it('rejects malformed dates and a range that ends before it starts', async () => {
    for (const query of ['StartDate=yesterday', 'EndDate=2024-02-30', 'StartDate=2024-05-01T25:00:00Z', 'EndDate=2024-5-1', 'StartDate=2024-05-01T00:00:00%2B99:00']) {
      const res = await server.request('GET', `/v1/Events?${query}`);
      assertTwilioError(res.body, 400, 20001);
      assert.match(res.body.message, /(StartDate|EndDate) must be an ISO 8601 date-time/);
    }
    const reversed = await rejection(() =>
      client.monitor.v1.events.list({ startDate: new Date('2024-05-02T00:00:00Z'), endDate: new Date('2024-05-01T00:00:00Z') }),
    );
    assert.equal(reversed.status, 400);
    assert.equal(reversed.code, 20001);
    assert.match(reversed.message, /StartDate must not be after EndDate/);
    const sameInstant = await client.monitor.v1.events.list({ startDate: new Date('2024-05-01T00:00:00Z'), endDate: new Date('2024-05-01T00:00:00Z') });
    assert.deepEqual(sameInstant, []);
  });

  it('refuses to combine ResourceSid, SourceIpAddress, ActorSid and EventType, as Twilio does', async () => {
    const [sim] = await registerSims(server, 1);
    const combined = await rejection(() => client.monitor.v1.events.list({ resourceSid: sim.sid, eventType: 'wireless-sim.updated' }));
    assert.equal(combined.status, 400);
    assert.equal(combined.code, 20004);
    const raw = await server.request('GET', `/v1/Events?ActorSid=${server.accountSid}&SourceIpAddress=127.0.0.1`);
    assertTwilioError(raw.body, 400, 20004);
  });

  it('pages newest first with stable PageTokens, keeping the filter in the links', async () => {
    const [sim] = await registerSims(server, 1);
    await change(client, sim.sid, { status: 'active', ratePlan: planSid });
    for (const status of ['suspended', 'active', 'suspended', 'active', 'suspended']) await change(client, sim.sid, { status });
    const all = await simEvents(client, sim.sid);
    assert.ok(all.length >= 6);
    // Newest first: read backwards, each event continues from the one before it.
    assert.equal(history(all, 'status').at(-1), 'suspended');
    for (let i = 1; i < all.length; i++) assert.ok(all[i - 1].eventDate >= all[i].eventDate, 'listed by event date, newest first');

    const first = await client.monitor.v1.events.page({ resourceSid: sim.sid, pageSize: 2 });
    assert.equal(first.instances.length, 2);
    assert.ok(first.nextPageUrl?.includes(`ResourceSid=${sim.sid}`));
    // A change made while paging is newer than every page already handed out: it appears on no later page.
    await change(client, sim.sid, { status: 'active' });
    const seen = [...first.instances];
    let page: EventPage = first;
    const pages: EventPage[] = [first];
    for (let next = page.nextPage(); next; next = page.nextPage()) {
      page = await next;
      pages.push(page);
      seen.push(...page.instances);
    }
    assert.deepEqual(seen.map((e) => e.sid), all.map((e) => e.sid), 'every event once, in order, across pages');
    assert.equal(page.nextPageUrl, undefined);

    const back = await pages[2].previousPage();
    assert.ok(back);
    assert.deepEqual(back.instances.map((e) => e.sid), pages[1].instances.map((e) => e.sid));
    const limited = await client.monitor.v1.events.list({ resourceSid: sim.sid, pageSize: 3, limit: 5 });
    assert.equal(limited.length, 5);
    const now = await simEvents(client, sim.sid);
    assert.ok(now.length > all.length, 'the change made while paging was recorded');
    assert.deepEqual(limited.map((e) => e.sid), now.slice(0, 5).map((e) => e.sid));
  });

  it('scopes events to accounts: others are 404, the master fetches its subaccounts\'', async () => {
    const subA = await subaccount(server, 'scope a');
    const subB = await subaccount(server, 'scope b');
    const clientA = server.client(subA.sid, subA.auth_token);
    const clientB = server.client(subB.sid, subB.auth_token);
    const planA = await clientA.wireless.v1.ratePlans.create();
    const [simA] = await registerSims(server, 1, subA);
    const [simM] = await registerSims(server, 1);
    await change(clientA, simA.sid, { status: 'ready', ratePlan: planA.sid });
    await change(client, simM.sid, { status: 'ready', ratePlan: planSid });
    const [eventA] = await simEvents(clientA, simA.sid);
    const [eventM] = await simEvents(client, simM.sid);

    for (const [c, sid] of [
      [clientB, eventA.sid],
      [clientA, eventM.sid],
      [clientB, eventM.sid],
      [client, 'AE' + '0'.repeat(32)],
      [client, 'not-an-event'],
    ] as const) {
      const refused = await rejection(() => c.monitor.v1.events(sid).fetch());
      assert.equal(refused.status, 404);
      assert.equal(refused.code, 20404);
    }
    const raw = await server.request('GET', `/v1/Events/${eventA.sid}`, { auth: [subB.sid, subB.auth_token] });
    assertTwilioError(raw.body, 404, 20404);

    assert.equal((await client.monitor.v1.events(eventA.sid).fetch()).sid, eventA.sid, "the master may fetch its subaccount's event");
    assert.deepEqual(await clientB.monitor.v1.events.list(), [], 'an account without changes has an empty log');
    assert.deepEqual(await clientB.monitor.v1.events.list({ resourceSid: simA.sid }), []);
    const masterLog = await client.monitor.v1.events.list();
    assert.ok(masterLog.some((e) => e.sid === eventM.sid));
    assert.ok(!masterLog.some((e) => e.accountSid !== server.accountSid), "the master's own log lists its own events, as its Sims list does");
    const actingAsA = await server.client(subA.sid, server.authToken).monitor.v1.events.list();
    assert.ok(actingAsA.some((e) => e.sid === eventA.sid), 'the master acting as the subaccount sees its log');
  });
});
