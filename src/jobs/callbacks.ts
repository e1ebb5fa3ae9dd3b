import type { Store } from '../store/store.js';
import type { Sim } from '../domain/models.js';
import type { CallbackAttempt, CallbackDelivery, CallbackTarget, DeliverPayload, Job } from '../domain/outbox.js';
import type { JobHandler } from './runner.js';
import { Agent, request as undiciRequest } from 'undici';
import { signedRequest } from './signature.js';

// Status callbacks: recorded in the transaction of the change they report, delivered by a job,
// retried with backoff, then dead. Every attempt is kept on the delivery for the admin API.

export const API_VERSION = 'v1';
const BODY_KEPT = 2000;

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
  tx: Store,
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
  const payload: DeliverPayload = { callbackId: id };
  await tx.jobs.enqueue({ kind: 'callback.deliver', simSid: fields.simSid, payload, runAt: at }, at);
  return id;
}

/** Queues the status callback of `sim` as it is now. */
export function enqueueCallback(tx: Store, sim: Sim, target: CallbackTarget, error: CallbackError | null, at: number): Promise<number> {
  return enqueueDelivery(tx, { simSid: sim.sid, accountSid: sim.account_sid, target, params: callbackParams(sim, error) }, at);
}

/** A failed attempt, with what was learned about it. */
class DeliveryFailed extends Error {
  constructor(readonly attempt: Omit<CallbackAttempt, 'state' | 'nextAttemptAt'>) {
    super(attempt.error ?? `the callback URL answered ${attempt.responseStatus}`);
    this.name = 'DeliveryFailed';
  }
}

function attemptOf(error: unknown, at: number): Omit<CallbackAttempt, 'state' | 'nextAttemptAt'> {
  if (error instanceof DeliveryFailed) return error.attempt;
  return { at, responseStatus: null, responseBody: null, error: error instanceof Error ? error.message : String(error), durationMs: 0 };
}

/**
 * One connection pool for every callback URL: undici's `request` costs a fraction of `fetch`
 * per call (no WHATWG streams or abort signals), which counts when thousands of callbacks a
 * second go out. Keep-alive connections to a customer's endpoint are reused between calls.
 */
function callbackAgent(timeoutMs: number): Agent {
  return new Agent({ connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 4_000 });
}

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

async function send(agent: Agent, delivery: CallbackDelivery, authToken: string, timeoutMs: number, at: number) {
  const request = signedRequest(delivery, delivery.params, authToken, `wisp-callback-${delivery.id}`);
  const started = performance.now();
  try {
    const response = await undiciRequest(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      dispatcher: agent,
    });
    const body = (await response.body.text()).slice(0, BODY_KEPT);
    const attempt = { at, responseStatus: response.statusCode, responseBody: body, error: null, durationMs: Math.round(performance.now() - started) };
    if (response.statusCode < 200 || response.statusCode > 299) throw new DeliveryFailed(attempt);
    return attempt;
  } catch (error) {
    if (error instanceof DeliveryFailed) throw error;
    const code = (error as { code?: string } | null)?.code;
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new DeliveryFailed({
      at,
      responseStatus: null,
      responseBody: null,
      error: code && TIMEOUTS.has(code) ? `no answer within ${timeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`,
      durationMs: Math.round(performance.now() - started),
    });
  }
}

export function deliverHandler({ timeoutMs, maxAttempts }: { timeoutMs: number; maxAttempts: number }): JobHandler {
  const record = (tx: Store, job: Job, attempt: CallbackAttempt) => tx.callbacks.recordAttempt((job.payload as DeliverPayload).callbackId, attempt);
  const agent = callbackAgent(timeoutMs);
  return {
    maxAttempts,
    async run(job, ctx) {
      const delivery = await ctx.store.callbacks.get((job.payload as DeliverPayload).callbackId);
      if (!delivery || delivery.state === 'delivered' || delivery.state === 'dead') return ctx.settle(job);
      const account = await ctx.store.accounts.get(delivery.account_sid);
      if (!account) throw new Error(`account ${delivery.account_sid} no longer exists; the callback cannot be signed`);
      const attempt = await send(agent, delivery, account.auth_token, timeoutMs, ctx.clock.now());
      await ctx.settle(job, async (tx) => {
        await record(tx, job, { ...attempt, state: 'delivered', nextAttemptAt: null });
      });
    },
    async onRetry(tx, job, error, nextRunAt, now) {
      await record(tx, job, { ...attemptOf(error, now), state: 'retrying', nextAttemptAt: nextRunAt });
    },
    async onDead(tx, job, error, now) {
      await record(tx, job, { ...attemptOf(error, now), state: 'dead', nextAttemptAt: null });
    },
  };
}
