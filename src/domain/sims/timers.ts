import type { Sim, SimStatus } from '../models.js';
import type { Tx } from '../ports.js';
import type { CallbackTarget } from '../callbacks.js';
import { TIMER_KINDS, type CallbackCarrier } from '../tasks.js';
import { hasTimer, isIntermediate, timerFor, type TimerKind } from './lifecycle.js';

// A Sim's timers are delayed jobs in the Sim's own queue, one kind per timed move. They belong
// to the status that started them: a change of status cancels them, a change in flight holds
// them, and the new status starts its own.

export type TimerJobKind = (typeof TIMER_KINDS)[number];

export const TIMER_JOB: Record<TimerKind, TimerJobKind> = {
  activate: 'timer.activate',
  cancel: 'timer.cancel',
  'suspended-fee': 'timer.suspended-fee',
};

type TimerTx = Tx<'jobs'>;

const moveTimers = (tx: TimerTx, sim: Pick<Sim, 'sid'>, from: ('pending' | 'held')[], to: 'pending' | 'held' | 'canceled', now: number) =>
  tx.jobs.move({ queue: sim.sid, kinds: TIMER_KINDS, from, to }, now);

/** A change is in flight: the Sim's timers wait for its outcome. */
export async function holdTimers(tx: TimerTx, sim: Pick<Sim, 'sid' | 'status'>, now: number): Promise<void> {
  // A status without a timer has none to hold.
  if (hasTimer(sim.status)) await moveTimers(tx, sim, ['pending'], 'held', now);
}

/** The change in flight ended with the status unchanged: its timers run on. */
export async function releaseTimers(tx: TimerTx, sim: Pick<Sim, 'sid'>, status: SimStatus, now: number): Promise<void> {
  if (hasTimer(status)) await moveTimers(tx, sim, ['held'], 'pending', now);
}

/**
 * Replaces a Sim's timers after it moved from `from` to its current status at `at`. The
 * callback of a move to an intermediate status travels with the timer of the automatic move
 * that follows it, which calls it again.
 */
export async function restartTimers(tx: TimerTx, sim: Sim, from: SimStatus, callback: CallbackTarget | null, at: number): Promise<void> {
  if (hasTimer(from)) await moveTimers(tx, sim, ['pending', 'held'], 'canceled', at);
  const timer = timerFor(sim.status, at);
  if (!timer) return;
  await startTimer(tx, sim, TIMER_JOB[timer.kind], { callback: callback && isIntermediate(from, sim.status) ? callback : null }, timer.runAt, at);
}

/** Starts a timer in the Sim's queue. */
export async function startTimer(tx: TimerTx, sim: Pick<Sim, 'sid'>, kind: TimerJobKind, payload: CallbackCarrier, runAt: number, now: number): Promise<void> {
  await tx.jobs.enqueue({ kind, queue: sim.sid, payload, runAt }, now);
}

/** The callback waiting on a ready Sim's activation timer (that of its new → ready change), if any. */
export async function pendingActivationCallback(tx: TimerTx, sim: Pick<Sim, 'sid'>): Promise<CallbackTarget | null> {
  const [timer] = await tx.jobs.list({ queue: sim.sid, kind: 'timer.activate', limit: 1 });
  if (timer?.kind !== 'timer.activate' || (timer.state !== 'pending' && timer.state !== 'held')) return null;
  return timer.payload.callback;
}
