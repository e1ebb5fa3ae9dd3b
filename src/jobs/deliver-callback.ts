import { Agent, request as undiciRequest, type Dispatcher, type buildConnector } from 'undici';
import type { CallbackAttempt, CallbackDelivery } from '../domain/callbacks.js';
import type { Store } from '../domain/ports.js';
import type { WispJob } from '../domain/tasks.js';
import type { JobHandler } from '../engine/index.js';
import { signedRequest } from './signature.js';

// callback.deliver: sends one recorded callback, signed with the owning account's auth token.
// A failed attempt is retried with backoff (the engine's), then the delivery is dead; every
// attempt is recorded on the delivery.

const BODY_KEPT = 2000;

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
 * per call (no WHATWG streams), which counts when thousands of callbacks a second go out.
 * Keep-alive connections to a customer's endpoint are reused between calls.
 */
function callbackAgent(timeoutMs: number, connect?: buildConnector.connector): Agent {
  return new Agent({ connect, connectTimeout: timeoutMs, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, keepAliveTimeout: 4_000 });
}

/** The outbound policy refused the connection: retrying cannot help, so the delivery is dead at once. */
class DeliveryRefused extends DeliveryFailed {}

/** The most of an answer that is read; the rest is not read and the connection is closed. */
export const ANSWER_READ_MAX = 64 * 1024;

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

class DeadlinePassed extends Error {}

/** Reads at most ANSWER_READ_MAX bytes of `body`, then closes it (and with it the connection). */
async function readCapped(body: Dispatcher.ResponseData['body']): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    size += chunk.length;
    if (size >= ANSWER_READ_MAX) break;
  }
  // Leaving the loop early ends the stream; destroy makes sure the socket is not reused.
  if (size >= ANSWER_READ_MAX) body.destroy();
  return Buffer.concat(chunks).subarray(0, ANSWER_READ_MAX).toString('utf8');
}

/**
 * One attempt, within one deadline for everything: connecting, the headers and the body. A
 * receiver that trickles its answer a byte at a time is cut off at the deadline like one that
 * never answers.
 */
async function send(agent: Agent, delivery: CallbackDelivery, authToken: string, timeoutMs: number, at: number) {
  const request = signedRequest(delivery, delivery.params, authToken, `wisp-callback-${delivery.id}`);
  const started = performance.now();
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(new DeadlinePassed()), timeoutMs);
  try {
    const response = await undiciRequest(request.url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      dispatcher: agent,
      signal: deadline.signal,
    });
    const body = (await readCapped(response.body)).slice(0, BODY_KEPT);
    const attempt = { at, responseStatus: response.statusCode, responseBody: body, error: null, durationMs: Math.round(performance.now() - started) };
    if (response.statusCode < 200 || response.statusCode > 299) throw new DeliveryFailed(attempt);
    return attempt;
  } catch (error) {
    if (error instanceof DeliveryFailed) throw error;
    const code = (error as { code?: string } | null)?.code;
    if (code === 'WISP_OUTBOUND_REFUSED') {
      throw new DeliveryRefused({ at, responseStatus: null, responseBody: null, error: (error as Error).message, durationMs: Math.round(performance.now() - started) });
    }
    const late = deadline.signal.aborted || (code !== undefined && TIMEOUTS.has(code));
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    throw new DeliveryFailed({
      at,
      responseStatus: null,
      responseBody: null,
      error: late ? `no answer within ${timeoutMs} ms` : `${error instanceof Error ? error.message : String(error)}${cause}`,
      durationMs: Math.round(performance.now() - started),
    });
  } finally {
    clearTimeout(timer);
  }
}

export function deliverHandler({ timeoutMs, maxAttempts, connect }: { timeoutMs: number; maxAttempts: number; connect?: buildConnector.connector }): JobHandler<WispJob<'callback.deliver'>, Store> {
  const record = (tx: Store, job: WispJob<'callback.deliver'>, attempt: CallbackAttempt) => tx.callbacks.recordAttempt(job.payload.callbackId, attempt);
  const agent = callbackAgent(timeoutMs, connect);
  return {
    maxAttempts,
    async run(job, ctx) {
      const delivery = await ctx.store.callbacks.get(job.payload.callbackId);
      if (!delivery || delivery.state === 'delivered' || delivery.state === 'dead') return ctx.settle();
      const account = await ctx.store.accounts.get(delivery.account_sid);
      if (!account) throw new Error(`account ${delivery.account_sid} no longer exists; the callback cannot be signed`);
      const attempt = await send(agent, delivery, account.auth_token, timeoutMs, ctx.clock.now()).catch((error: unknown) => {
        if (error instanceof DeliveryRefused) return error;
        throw error;
      });
      if (attempt instanceof DeliveryRefused) return ctx.settle((tx) => record(tx, job, { ...attempt.attempt, state: 'dead', nextAttemptAt: null }));
      await ctx.settle(async (tx) => {
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
