import type { Sim, SimStatus } from '../models.js';
import type { SimFilter, Tx } from '../ports.js';
import { type CallbackError, type CallbackTarget, enqueueCallback } from '../callbacks.js';
import { SYSTEM_ACTOR } from '../events.js';
import type { ApplyPayload, CallbackCarrier } from '../tasks.js';
import { IN_FLIGHT } from './lifecycle.js';
import { recordSimUpdated } from './events.js';
import { holdTimers, pendingActivationCallback, releaseTimers, restartTimers } from './timers.js';

// Every write of a Sim's status happens here: a change handed to the operator, its outcome
// (applied, refused, waiting for the operator), a connectivity reset's end, and the automatic
// moves. Each runs inside the caller's transaction, with the Sim's event, timers and callback.

/** What a settled change writes: the Sim, its Monitor events, its jobs and callbacks. */
export type MoveTx = Tx<'sims' | 'events' | 'jobs' | 'callbacks'>;

/** Reported when Wisp gives up on an operator request after its last retry. */
export const GAVE_UP: CallbackError = { code: 20500, message: 'The operator could not be reached to apply the change; nothing was changed' };

/**
 * Hands a requested status and/or plan change to the operator: the Sim shows `updating` (or
 * `scheduled` while the operator is unavailable) until the operator's job settles it, and its
 * timers wait for the outcome. Returns the status the Sim shows meanwhile.
 */
export async function handOver(tx: Tx<'jobs'>, sim: Sim, change: ApplyPayload, operatorAvailable: boolean, now: number, fairKey: string | null = null): Promise<SimStatus> {
  await holdTimers(tx, sim, now);
  // One change of a Sim in flight at a time: the key makes a second one impossible to enqueue.
  await tx.jobs.enqueue({ kind: 'operator.apply', queue: sim.sid, key: `operator.apply:${sim.sid}`, fairKey, payload: change, runAt: now }, now);
  return operatorAvailable ? 'updating' : 'scheduled';
}

/** Starts a connectivity reset; its end (resetEnded) clears it. */
export async function startReset(tx: Tx<'jobs'>, sim: Sim, callback: CallbackTarget | null, now: number): Promise<void> {
  await tx.jobs.enqueue({ kind: 'operator.reset', queue: sim.sid, key: `operator.reset:${sim.sid}`, payload: { callback } satisfies CallbackCarrier, runAt: now }, now);
}

/** Reported when the plan a change was about to assign was deleted meanwhile (33108, "Rate Plan not found"). */
export const PLAN_GONE: CallbackError = { code: 33108, message: 'The rate plan was not found: it was deleted before the change was applied; nothing was changed' };

/** The operator applied the change: the Sim takes the requested status and plan. */
export async function applied(tx: MoveTx & Tx<'ratePlans'>, simSid: string, p: ApplyPayload, now: number): Promise<void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (!sim || !IN_FLIGHT.includes(sim.status)) return;
  // The plan must still exist, and stays until this commits (a delete waits, then sees it in use).
  const planTo = p.ratePlan?.to;
  if (planTo && !(await tx.ratePlans.lock(planTo, 'share'))) return refused(tx, simSid, p, PLAN_GONE, now);
  const status = p.to ?? p.from;
  const after: Sim = { ...sim, status, rate_plan_sid: p.ratePlan ? p.ratePlan.to : sim.rate_plan_sid, date_updated: now };
  await tx.sims.update(sim.sid, { status, rate_plan_sid: after.rate_plan_sid, date_updated: now });
  await recordSimUpdated(tx, {
    sim: after,
    previous: { status: p.from, rate_plan_sid: sim.rate_plan_sid },
    actor: p.actor,
    source: 'api',
    sourceIpAddress: p.sourceIpAddress,
    now,
  });
  if (status !== p.from) await restartTimers(tx, after, p.from, p.callback, now);
  else await releaseTimers(tx, sim, p.from, now);
  if (p.callback) await enqueueCallback(tx, after, p.callback, null, now);
}

/** The change did not happen: the Sim is as it was before the request, and the callback says why. */
export async function refused(tx: MoveTx, simSid: string, p: ApplyPayload, error: CallbackError, now: number): Promise<void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (!sim || !IN_FLIGHT.includes(sim.status)) return;
  const after: Sim = { ...sim, status: p.from, account_sid: p.fromAccountSid ?? sim.account_sid, date_updated: now };
  await tx.sims.update(sim.sid, { status: after.status, account_sid: after.account_sid, date_updated: now });
  await releaseTimers(tx, sim, p.from, now);
  if (p.callback) await enqueueCallback(tx, after, p.callback, error, now);
}

/** The operator is unavailable: a Sim whose change waits for it shows `scheduled`. */
export async function scheduled(tx: Tx<'sims'>, simSid: string, now: number): Promise<void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (sim?.status === 'updating') await tx.sims.update(sim.sid, { status: 'scheduled', date_updated: now });
}

/** The operator is back: every Sim whose change waited for it shows `updating` again. */
export function resumeScheduled(tx: Tx<'sims'>, now: number): Promise<number> {
  return tx.sims.moveAll('scheduled', 'updating', now);
}

/** Ends a connectivity reset: reset_status back to null, and the callback if one was asked for. */
export async function resetEnded(tx: Tx<'sims' | 'jobs' | 'callbacks'>, simSid: string, p: CallbackCarrier, error: CallbackError | null, now: number): Promise<void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (!sim || sim.reset_status !== 'resetting') return;
  const after: Sim = { ...sim, reset_status: null, date_updated: now };
  await tx.sims.update(sim.sid, { reset_status: null, date_updated: now });
  if (p.callback) await enqueueCallback(tx, after, p.callback, error, now);
}

/** An automatic move (a timer, or the network itself): recorded as done by the system. */
export async function autoMove(tx: MoveTx, sim: Sim, to: SimStatus, callback: CallbackTarget | null, at: number): Promise<Sim> {
  const after: Sim = { ...sim, status: to, date_updated: at };
  await tx.sims.update(sim.sid, { status: to, date_updated: at });
  await recordSimUpdated(tx, { sim: after, previous: { status: sim.status }, actor: SYSTEM_ACTOR, source: 'system', sourceIpAddress: null, now: at });
  await restartTimers(tx, after, sim.status, callback, at);
  if (callback) await enqueueCallback(tx, after, callback, null, at);
  return after;
}

/**
 * A ready Sim that reached its activation by use (data or Commands) becomes active at once; the
 * callback of its new → ready change, waiting on the activation timer, fires again.
 */
export async function activateByUse(tx: MoveTx, sim: Sim, now: number): Promise<void> {
  await autoMove(tx, sim, 'active', await pendingActivationCallback(tx, sim), now);
}

/** Reported for each change canceled because its account was suspended (33201, "Unauthorized"). */
export const ACCOUNT_SUSPENDED: CallbackError = {
  code: 33201,
  message: 'The account has been suspended and the asynchronous request has been canceled; nothing was changed',
};

/**
 * An account stopped being active: every change of its Sims still in flight, and every
 * connectivity reset in progress, is canceled. Each Sim is as it was before the request, its
 * job is canceled whatever its state (its key is free for the next change at once), and the
 * request's callback reports why.
 */
export async function cancelAccountChanges(tx: MoveTx, accountSid: string, now: number): Promise<number> {
  let canceled = 0;
  for (const status of IN_FLIGHT) {
    canceled += await eachSim(tx, { accountSid, status }, async (sim) => {
      const [job] = await tx.jobs.list({ queue: sim.sid, kind: 'operator.apply', limit: 1 });
      if (!job || job.kind !== 'operator.apply') return false;
      // A job running now finds its outcome discarded; one waiting for the operator never runs.
      await tx.jobs.cancel({ queue: sim.sid, kinds: ['operator.apply'] }, now);
      await refused(tx, sim.sid, job.payload, ACCOUNT_SUSPENDED, now);
      return true;
    });
  }
  canceled += await eachSim(tx, { accountSid, resetStatus: 'resetting' }, async (sim) => {
    const [job] = await tx.jobs.list({ queue: sim.sid, kind: 'operator.reset', limit: 1 });
    await tx.jobs.cancel({ queue: sim.sid, kinds: ['operator.reset'] }, now);
    await resetEnded(tx, sim.sid, job?.kind === 'operator.reset' ? job.payload : { callback: null }, ACCOUNT_SUSPENDED, now);
    return true;
  });
  return canceled;
}

/** Calls `act` on every Sim the filter selects, page by page; returns how many it acted on. */
async function eachSim(tx: MoveTx, filter: SimFilter, act: (sim: Sim) => Promise<boolean>): Promise<number> {
  let acted = 0;
  let afterSeq: number | undefined;
  for (;;) {
    const page = await tx.sims.list(filter, { limit: 200, afterSeq });
    for (const sim of page.items) if (await act(sim)) acted += 1;
    const last = page.items[page.items.length - 1];
    if (!page.hasMore || !last) return acted;
    afterSeq = last.seq;
  }
}
