import type { HttpMethod, SimStatus } from './models.js';
import type { EventActor } from './events.js';

// Records of the lifecycle engine's durable work, as the store keeps them. The rules that
// create them live in the domain services; src/jobs runs them.

/**
 * `pending` waits for run_at; `running` is leased by a worker; `waiting` waits for the operator
 * to come back; `held` is a timer paused while its Sim has an update in flight; `done`,
 * `canceled` and `dead` are final.
 */
export type JobState = 'pending' | 'running' | 'waiting' | 'held' | 'done' | 'canceled' | 'dead';

export type JobKind =
  | 'operator.apply'
  | 'operator.reset'
  | 'callback.deliver'
  | 'timer.activate'
  | 'timer.cancel'
  | 'timer.suspended-fee'
  | 'command.send'
  | 'command.receipt';

export const TIMER_KINDS: readonly JobKind[] = ['timer.activate', 'timer.cancel', 'timer.suspended-fee'];

export interface NewJob {
  kind: JobKind;
  simSid: string | null;
  payload: unknown;
  /** Emulated epoch milliseconds. */
  runAt: number;
}

export interface Job {
  id: number;
  kind: JobKind;
  simSid: string | null;
  payload: unknown;
  state: JobState;
  runAt: number;
  attempts: number;
  leaseOwner: string | null;
  /** Real (not emulated) epoch milliseconds. */
  leaseExpires: number | null;
  lastError: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/** Where and how a status callback is sent. */
export interface CallbackTarget {
  url: string;
  method: HttpMethod;
}

export type CallbackState = 'pending' | 'retrying' | 'delivered' | 'dead';

export interface CallbackDelivery {
  id: number;
  sim_sid: string;
  account_sid: string;
  url: string;
  method: HttpMethod;
  params: Record<string, string>;
  state: CallbackState;
  attempts: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number | null;
  replay_of: number | null;
  next_attempt_at: number | null;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
  date_created: number;
}

/** The outcome of one delivery attempt. */
export interface CallbackAttempt {
  at: number;
  state: CallbackState;
  responseStatus: number | null;
  responseBody: string | null;
  error: string | null;
  durationMs: number;
  nextAttemptAt: number | null;
}

/** The simulated operator's behaviour, shared by every process through the database. */
export interface NetworkSettings {
  available: boolean;
  latency_ms: number;
  failure_rate: number;
  date_updated: number;
}

export interface SimFee {
  sim_sid: string;
  account_sid: string;
  kind: 'suspended';
  period_start: number;
  period_end: number;
  date_created: number;
}

/** Job payloads, by kind. */

/** operator.apply: a requested status and/or rate-plan change, remembered until it settles. */
export interface ApplyPayload {
  /** The status before the request; the Sim returns to it if the operator refuses. */
  from: SimStatus;
  /** The requested status; null when only the rate plan changes. */
  to: SimStatus | null;
  /** The requested plan; absent when the plan does not change. */
  ratePlan: { to: string | null } | null;
  /** When the request also moved the Sim, the account it came from (a refusal moves it back). */
  fromAccountSid: string | null;
  callback: CallbackTarget | null;
  actor: EventActor;
  sourceIpAddress: string | null;
}

/** operator.reset and the timers: the callback to call when they end, if any. */
export interface CallbackCarrier {
  callback: CallbackTarget | null;
}

/** callback.deliver */
export interface DeliverPayload {
  callbackId: number;
}
