import type { Store } from '../store/store.js';
import type { Sim, SimStatus } from '../domain/models.js';
import type { CallbackCarrier, CallbackTarget, JobKind } from '../domain/outbox.js';
import { hasTimer, isIntermediate, timerFor } from '../domain/lifecycle.js';
import { SYSTEM_ACTOR, recordSimUpdated } from '../domain/events.js';
import { enqueueCallback } from './callbacks.js';

// What follows a change of status, wherever it comes from: the old timers go, the new status's
// timer starts, and the callback of an intermediate status travels with that timer.

const TIMER_JOB: Record<string, JobKind> = {
  activate: 'timer.activate',
  cancel: 'timer.cancel',
  'suspended-fee': 'timer.suspended-fee',
};

/** Replaces a Sim's timers after it moved from `from` to its current status at `at`. */
export async function restartTimers(tx: Store, sim: Sim, from: SimStatus, callback: CallbackTarget | null, at: number): Promise<void> {
  if (hasTimer(from)) await tx.jobs.cancelTimers(sim.sid, at);
  const timer = timerFor(sim.status, at);
  if (!timer) return;
  const payload: CallbackCarrier = { callback: callback && isIntermediate(from, sim.status) ? callback : null };
  await tx.jobs.enqueue({ kind: TIMER_JOB[timer.kind], simSid: sim.sid, payload, runAt: timer.runAt }, at);
}

/** An automatic move (a timer, or the network itself): recorded as done by the system. */
export async function autoMove(tx: Store, sim: Sim, to: SimStatus, callback: CallbackTarget | null, at: number): Promise<Sim> {
  const after: Sim = { ...sim, status: to, date_updated: at };
  await tx.sims.update(sim.sid, { status: to, date_updated: at });
  await recordSimUpdated(tx, { sim: after, previous: { status: sim.status }, actor: SYSTEM_ACTOR, source: 'system', sourceIpAddress: null, now: at });
  await restartTimers(tx, after, sim.status, callback, at);
  if (callback) await enqueueCallback(tx, after, callback, null, at);
  return after;
}
