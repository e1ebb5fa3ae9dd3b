import type { HttpMethod, Sim } from './models.js';
import type { Tx } from './ports.js';

// Status callbacks: recorded in the transaction of the change they report, with the job that
// delivers them (src/jobs/deliver-callback.ts); retried with backoff, then dead. Every attempt
// is kept on the delivery for the admin API.

export const API_VERSION = 'v1';

/** Where and how a callback is sent. */
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

/** Why an asynchronous change did not happen, as its callback reports it. */
export interface CallbackError {
  code: number;
  message: string;
}

/** The parameters Twilio sends when a SIM has finished updating. */
export function callbackParams(sim: Sim, error: CallbackError | null): Record<string, string> {
  return {
    AccountSid: sim.account_sid,
    ApiVersion: API_VERSION,
    ErrorCode: error ? String(error.code) : '',
    ErrorMessage: error?.message ?? '',
    SimSid: sim.sid,
    SimStatus: sim.status,
    SimUniqueName: sim.unique_name ?? '',
  };
}

/** Records a delivery of `params` and the job that sends it at `at`. */
export async function enqueueDelivery(
  tx: Tx<'callbacks' | 'jobs'>,
  fields: { simSid: string; accountSid: string; target: CallbackTarget; params: Record<string, string>; replayOf?: number },
  at: number,
): Promise<number> {
  const id = await tx.callbacks.insert({
    sim_sid: fields.simSid,
    account_sid: fields.accountSid,
    url: fields.target.url,
    method: fields.target.method,
    params: fields.params,
    state: 'pending',
    attempts: 0,
    response_status: null,
    response_body: null,
    error: null,
    duration_ms: null,
    replay_of: fields.replayOf ?? null,
    next_attempt_at: at,
    first_attempt_at: null,
    last_attempt_at: null,
    delivered_at: null,
    date_created: at,
  });
  // In the Sim's queue: its callbacks go out in the order its changes happened. Fair by
  // account: one account's slow receivers hold only that account's share of the callback slots.
  await tx.jobs.enqueue({ kind: 'callback.deliver', queue: fields.simSid, fairKey: fields.accountSid, payload: { callbackId: id }, runAt: at }, at);
  return id;
}

/** Queues the status callback of `sim` as it is now. */
export function enqueueCallback(tx: Tx<'callbacks' | 'jobs'>, sim: Sim, target: CallbackTarget, error: CallbackError | null, at: number): Promise<number> {
  return enqueueDelivery(tx, { simSid: sim.sid, accountSid: sim.account_sid, target, params: callbackParams(sim, error) }, at);
}
