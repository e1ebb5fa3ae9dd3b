import type { SimStatus } from '../models.js';
import type { Tx } from '../ports.js';
import type { CallbackCarrier } from '../tasks.js';
import { IN_FLIGHT, addMonths } from './lifecycle.js';
import { autoMove, type MoveTx } from './moves.js';
import { recordSuspendedFee } from './events.js';
import { startTimer, type TimerJobKind } from './timers.js';

// What a Sim's timer does when it falls due. A timer acts at its due time (or when its Sim last
// changed, if later), so a clock moved far ahead replays each step at the moment it would have
// happened.

type TimerTx = MoveTx & Tx<'fees'>;

/** The status a timer's move starts from. */
const EXPECTED: Record<TimerJobKind, SimStatus> = {
  'timer.activate': 'ready',
  'timer.cancel': 'deactivated',
  'timer.suspended-fee': 'suspended',
};

/**
 * Runs a due timer of the Sim `simSid`. Returns 'held' when the Sim has a change in flight (the
 * timer waits for its outcome); does nothing if the Sim left the timer's status meanwhile.
 */
export async function timerDue(tx: TimerTx, kind: TimerJobKind, simSid: string, payload: CallbackCarrier, runAt: number): Promise<'held' | void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (!sim) return;
  if (IN_FLIGHT.includes(sim.status)) return 'held';
  if (sim.status !== EXPECTED[kind]) return;
  const at = Math.max(runAt, sim.date_updated);
  if (kind === 'timer.activate') await autoMove(tx, sim, 'active', payload.callback, at);
  else if (kind === 'timer.cancel') await autoMove(tx, sim, 'canceled', payload.callback, at);
  else {
    // Three months suspended starts a monthly fee: one record (and Monitor event) a month while suspended.
    const fee = { sim_sid: sim.sid, account_sid: sim.account_sid, kind: 'suspended' as const, period_start: runAt, period_end: addMonths(runAt, 1), date_created: at };
    if (await tx.fees.record(fee)) await recordSuspendedFee(tx, sim, fee, at);
    await startTimer(tx, sim, 'timer.suspended-fee', { callback: null }, fee.period_end, at);
  }
}
