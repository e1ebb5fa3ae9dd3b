import assert from 'node:assert/strict';
import type twilio from 'twilio';
import type { Account, Sim } from '../../src/domain/models.js';
import type { Caller } from '../../src/domain/caller.js';
import type { TestServer } from './server.js';

type SimInstance = Awaited<ReturnType<ReturnType<twilio.Twilio['wireless']['v1']['sims']>['fetch']>>;
type SimStatus = SimInstance['status'];

/**
 * Polls a Sim until it has settled (not `updating` or `scheduled`) and `done` holds. A status or
 * rate-plan change may be applied in the background (the response says `updating`), so tests
 * wait for the outcome instead of reading the response.
 */
export async function waitForSim(
  client: twilio.Twilio,
  sid: string,
  done: (sim: SimInstance) => boolean,
  { tries = 250, intervalMs = 20 }: { tries?: number; intervalMs?: number } = {},
): Promise<SimInstance> {
  const ready = (sim: SimInstance) => sim.status !== 'updating' && sim.status !== 'scheduled' && done(sim);
  let sim = await client.wireless.v1.sims(sid).fetch();
  for (let i = 1; i < tries && !ready(sim); i++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    sim = await client.wireless.v1.sims(sid).fetch();
  }
  assert.ok(ready(sim), `Sim ${sid} did not reach the expected state; last seen ${sim.status} with plan ${sim.ratePlanSid}`);
  return sim;
}

/** Changes a Sim's status (and optionally plan) and waits until it has settled there. */
export async function moveSim(client: twilio.Twilio, sid: string, status: SimStatus, ratePlan?: string): Promise<SimInstance> {
  await client.wireless.v1.sims(sid).update({ status, ...(ratePlan !== undefined ? { ratePlan } : {}) });
  return waitForSim(client, sid, (s) => s.status === status);
}

/** Master credentials acting as `account`, for setting up state through the domain services. */
export function callerAs(server: TestServer, account: Account = server.wisp.master): Caller {
  const master = server.wisp.master;
  return { account, credentialAccount: account.owner_account_sid === account.sid ? account : master, keySid: null };
}

/** Stocks `count` SIM cards and registers them to `account` (the master by default), in order. */
export async function registerSims(server: TestServer, count: number, account?: Account): Promise<Sim[]> {
  const cards = await server.stockSims(count);
  const caller = callerAs(server, account);
  const sims: Sim[] = [];
  for (const card of cards) sims.push(await server.wisp.services.sims.register(caller, card.iccid, card.code));
  return sims;
}

/** Creates a subaccount through the domain and returns it with its auth token. */
export async function subaccount(server: TestServer, friendlyName: string): Promise<Account> {
  return server.wisp.services.accounts.create(callerAs(server), friendlyName);
}
