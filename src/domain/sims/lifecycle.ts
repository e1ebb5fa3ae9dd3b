import { DomainError } from '../errors.js';
import type { SimStatus } from '../models.js';

// The SIM lifecycle as a table (docs/lifecycle.md). Pure: no I/O, no clock.

/** Statuses a customer may ask for with `Status` on update. */
export const REQUESTABLE: readonly SimStatus[] = ['ready', 'active', 'suspended', 'deactivated'];

/** While a change is being applied, status, plan, reset and account cannot change. */
export const IN_FLIGHT: readonly SimStatus[] = ['updating', 'scheduled'];

type Outcome = 'allowed' | 'no-op' | 'refused';

const TABLE: Record<'new' | 'ready' | 'active' | 'suspended' | 'deactivated' | 'canceled', Record<string, Outcome>> = {
  new: { ready: 'allowed', active: 'allowed', suspended: 'refused', deactivated: 'allowed' },
  ready: { ready: 'no-op', active: 'allowed', suspended: 'allowed', deactivated: 'allowed' },
  active: { ready: 'refused', active: 'no-op', suspended: 'allowed', deactivated: 'allowed' },
  suspended: { ready: 'refused', active: 'allowed', suspended: 'no-op', deactivated: 'allowed' },
  deactivated: { ready: 'refused', active: 'refused', suspended: 'refused', deactivated: 'no-op' },
  canceled: { ready: 'refused', active: 'refused', suspended: 'refused', deactivated: 'refused' },
};

/** Statuses that need a rate plan to be entered. */
const NEEDS_PLAN: readonly SimStatus[] = ['ready', 'active'];

/**
 * Decides a requested status change. Returns 'no-op' when the Sim is already there, 'allowed'
 * when the change may go ahead, and throws a DomainError that says why otherwise.
 */
export function checkTransition(from: SimStatus, to: string, hasRatePlan: boolean): 'allowed' | 'no-op' {
  if (IN_FLIGHT.includes(from)) {
    throw new DomainError('update_in_progress', `The SIM is ${from}; wait for the update in progress to finish`);
  }
  if (!REQUESTABLE.includes(to as SimStatus)) {
    if (to === 'new') throw new DomainError('invalid_transition', 'A SIM can never return to status new');
    throw new DomainError('invalid_transition', `Status "${to}" cannot be requested; choose one of ${REQUESTABLE.join(', ')}`);
  }
  const outcome = TABLE[from as keyof typeof TABLE][to];
  if (outcome === 'refused') {
    throw new DomainError('invalid_transition', `A SIM cannot move from ${from} to ${to}`);
  }
  if (outcome === 'allowed' && NEEDS_PLAN.includes(to as SimStatus) && !hasRatePlan) {
    throw new DomainError('rate_plan_required', `The SIM needs a rate plan before it can become ${to}`);
  }
  return outcome;
}

/** Whether a Sim in this status may lose its rate plan (only a SIM that cannot attach may). */
export function canRemoveRatePlan(status: SimStatus): boolean {
  return !NEEDS_PLAN.includes(status);
}

// Time-driven moves (docs/lifecycle.md, the automatic moves).

export const HOUR_MS = 3_600_000;
/** How long a deactivated SIM waits before it is canceled. */
export const CANCEL_AFTER_MS = 72 * HOUR_MS;
/** How many months a ready SIM waits before it becomes active, and a suspended one before its fee starts. */
export const AUTO_MONTHS = 3;

/** Adds calendar months in UTC; a day past the end of the target month becomes its last day. */
export function addMonths(ms: number, months: number): number {
  const d = new Date(ms);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.getTime();
}

export type TimerKind = 'activate' | 'cancel' | 'suspended-fee';

/** The timer a Sim starts when it enters `status` at `at`, if any. */
export function timerFor(status: SimStatus, at: number): { kind: TimerKind; runAt: number } | null {
  if (status === 'ready') return { kind: 'activate', runAt: addMonths(at, AUTO_MONTHS) };
  if (status === 'deactivated') return { kind: 'cancel', runAt: at + CANCEL_AFTER_MS };
  if (status === 'suspended') return { kind: 'suspended-fee', runAt: addMonths(at, AUTO_MONTHS) };
  return null;
}

/** Whether a Sim in `status` has a timer: only then can a change have timers to hold or cancel. */
export function hasTimer(status: SimStatus): boolean {
  return timerFor(status, 0) !== null;
}

/**
 * Whether a move ends at an intermediate status whose automatic follow-up (`ready`→`active`,
 * `deactivated`→`canceled`) calls the same callback again, as the CallbackUrl rules say.
 */
export function isIntermediate(from: SimStatus, to: SimStatus): boolean {
  return (from === 'new' && to === 'ready') || (to === 'deactivated' && from !== 'deactivated');
}
