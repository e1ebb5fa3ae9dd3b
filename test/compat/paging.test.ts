import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type twilio from 'twilio';
import { startServer, type TestServer } from '../helpers/server.js';
import { registerSims, subaccount } from '../helpers/sims.js';
import type { ValidatingRequestClient } from '../helpers/sdk.js';
import type { Sim } from '../../src/domain/models.js';

const FLEET = 2_500;

/** What a walk needs of an SDK page. */
interface Walkable {
  instances: { sid: string }[];
  previousPageUrl?: string;
  nextPage(): Promise<Walkable> | undefined;
  previousPage(): Promise<Walkable> | undefined;
}

describe('paging 2,500 SIMs with the SDK', () => {
  let server: TestServer;
  let client: twilio.Twilio;
  /** The master's SIMs in registration order, the order every list must follow. */
  let fleet: Sim[];
  let planSid: string;
  const isActive = (i: number) => i % 5 === 0;
  const isSuspended = (i: number) => i % 7 === 3 && !isActive(i);

  before(async () => {
    server = await startServer();
    client = server.client();
    fleet = await registerSims(server, FLEET);
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'paging-plan' });
    planSid = plan.sid;
    // Statuses and plans are set on the store directly: this test is about listing, and 800
    // lifecycle round trips would only make it slow.
    await server.wisp.store.transaction(async (tx) => {
      for (const [i, sim] of fleet.entries()) {
        if (isActive(i)) await tx.sims.update(sim.sid, { status: 'active', rate_plan_sid: planSid });
        if (isSuspended(i)) await tx.sims.update(sim.sid, { status: 'suspended', rate_plan_sid: planSid });
      }
    });
    // Another account's SIMs must never show up in the master's walks.
    await registerSims(server, 30, await subaccount(server, 'paging neighbour'));
  });
  after(() => server.close());

  const sids = (items: { sid: string }[]) => items.map((s) => s.sid);

  function assertExactlyOnce(seen: string[], expected: string[]) {
    assert.equal(new Set(seen).size, seen.length, 'no SIM is seen twice');
    assert.equal(seen.length, expected.length, 'no SIM is missed');
    assert.deepEqual(seen, expected, 'in registration order');
  }

  it('list() with 1000 per page sees every SIM exactly once, in order', async () => {
    const http = client.httpClient as ValidatingRequestClient;
    const checkedBefore = http.checked;
    const all = await client.wireless.v1.sims.list({ pageSize: 1000 });
    assertExactlyOnce(sids(all), sids(fleet));
    assert.equal(http.checked - checkedBefore, 3, 'three pages, each checked against the spec');
  });

  it('each() with 333 per page sees the same SIMs in the same order', async () => {
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.wireless.v1.sims.each({
        pageSize: 333,
        callback: (sim) => void seen.push(sim.sid),
        done: (error?: Error) => (error ? reject(error) : resolve()),
      });
    });
    assertExactlyOnce(seen, sids(fleet));
  });

  it('each() with 50 per page and a Status filter sees exactly the active SIMs', async () => {
    const seen: string[] = [];
    await new Promise<void>((resolve, reject) => {
      client.wireless.v1.sims.each({
        status: 'active',
        pageSize: 50,
        callback: (sim) => {
          assert.equal(sim.status, 'active');
          seen.push(sim.sid);
        },
        done: (error?: Error) => (error ? reject(error) : resolve()),
      });
    });
    assertExactlyOnce(seen, sids(fleet.filter((_, i) => isActive(i))));
  });

  it('list() with a RatePlan filter, by unique name and by sid, sees exactly the SIMs on the plan', async () => {
    const onPlan = sids(fleet.filter((_, i) => isActive(i) || isSuspended(i)));
    assertExactlyOnce(sids(await client.wireless.v1.sims.list({ ratePlan: 'paging-plan', pageSize: 333 })), onPlan);
    assertExactlyOnce(sids(await client.wireless.v1.sims.list({ ratePlan: planSid, pageSize: 1000 })), onPlan);
    const suspended = await client.wireless.v1.sims.list({ ratePlan: 'paging-plan', status: 'suspended', pageSize: 50 });
    assertExactlyOnce(sids(suspended), sids(fleet.filter((_, i) => isSuspended(i))));
    const fresh = await client.wireless.v1.sims.list({ status: 'new', pageSize: 1000 });
    assertExactlyOnce(sids(fresh), sids(fleet.filter((_, i) => !isActive(i) && !isSuspended(i))));
  });

  it('list() with a limit stops early and keeps the order', async () => {
    const first = await client.wireless.v1.sims.list({ pageSize: 333, limit: 700 });
    assert.deepEqual(sids(first), sids(fleet.slice(0, 700)));
  });

  it('previous_page_url walks back over the same pages', async () => {
    const forward: string[][] = [];
    let page: Walkable = await client.wireless.v1.sims.page({ pageSize: 333 });
    assert.equal(page.previousPageUrl, undefined, 'the first page has no previous page');
    for (;;) {
      forward.push(sids(page.instances));
      const next = await page.nextPage();
      if (!next) break;
      page = next;
    }
    assert.equal(forward.length, Math.ceil(FLEET / 333));
    assertExactlyOnce(forward.flat(), sids(fleet));

    const backward: string[][] = [sids(page.instances)];
    for (let previous = await page.previousPage(); previous; previous = await previous.previousPage()) {
      backward.push(sids(previous.instances));
    }
    assert.deepEqual(backward.reverse(), forward, 'walking back yields the same pages');
  });

  it('a walk is not disturbed by SIMs registered while it runs', async () => {
    const page: Walkable = await client.wireless.v1.sims.page({ pageSize: 1000 });
    const seen = sids(page.instances);
    const [late] = await registerSims(server, 1);
    for (let next = await page.nextPage(); next; next = await next.nextPage()) seen.push(...sids(next.instances));
    assertExactlyOnce(seen, [...sids(fleet), late.sid]);
  });
});
