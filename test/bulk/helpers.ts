import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { until } from '../helpers/lifecycle.js';
import { callerAs, registerSims } from '../helpers/sims.js';
import type { Account, Sim } from '../../src/domain/models.js';

// Shared steps of the bulk tests: SIMs set up through the domain, batches driven over HTTP.

/** Plain HTTP to /wisp/v1/SimBatches as `auth` (the master by default). */
export function batchRequest(server: TestServer, method: string, path: string, form?: Record<string, string | string[]>, auth?: [string, string]) {
  return server.request(method, path, { form, ...(auth ? { auth } : {}) });
}

/** Creates a batch and checks it was created. */
export async function createBatch(server: TestServer, form: Record<string, string | string[]>, auth?: [string, string]): Promise<any> {
  const res = await batchRequest(server, 'POST', '/wisp/v1/SimBatches', form, auth);
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

/** Waits until the batch has ended (completed, canceled or failed). */
export async function batchEnded(server: TestServer, sid: string, auth?: [string, string]): Promise<any> {
  const res = await until(
    `SimBatch ${sid} ends`,
    () => batchRequest(server, 'GET', `/wisp/v1/SimBatches/${sid}`, undefined, auth),
    (r) => r.status === 200 && ['completed', 'canceled', 'failed'].includes(r.body.status),
    { tries: 500 },
  );
  return res.body;
}

/** Every item of a batch, following next_page_url. */
export async function allItems(server: TestServer, sid: string, query = ''): Promise<any[]> {
  const items: any[] = [];
  let path: string | null = `/wisp/v1/SimBatches/${sid}/Items?PageSize=50${query}`;
  while (path) {
    const res = await batchRequest(server, 'GET', path);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    items.push(...res.body.items);
    path = res.body.meta.next_page_url ? new URL(res.body.meta.next_page_url).pathname + new URL(res.body.meta.next_page_url).search : null;
  }
  return items;
}

/** `count` SIMs of `account` on a rate plan of that account, activated through the domain and settled. */
export async function activeSims(server: TestServer, count: number, account?: Account): Promise<Sim[]> {
  const caller = callerAs(server, account);
  const sims = await registerSims(server, count, account);
  const plan = await server.wisp.services.ratePlans.create(caller, {});
  for (const sim of sims) await server.wisp.services.sims.update(caller, sim.sid, { ratePlan: plan.sid, status: 'active' });
  await until(`${count} SIMs active`, () => Promise.all(sims.map((s) => server.wisp.store.sims.get(s.sid))), (all) => all.every((s) => s?.status === 'active'), { tries: 500 });
  return Promise.all(sims.map(async (s) => (await server.wisp.store.sims.get(s.sid))!));
}

/** The statuses of these SIMs now, in order. */
export async function statuses(server: TestServer, sims: { sid: string }[]): Promise<string[]> {
  return Promise.all(sims.map(async (s) => (await server.wisp.store.sims.get(s.sid))!.status));
}
