import type { FastifyInstance, FastifyReply } from 'fastify';
import type { HttpContext } from '../http/context.js';
import { DomainError } from '../domain/errors.js';
import type { CallbackDelivery, CallbackState, Job, JobState } from '../domain/outbox.js';
import { parseNetworkChange } from '../network/settings.js';
import { updateNetwork } from '../network/control.js';
import { enqueueDelivery } from '../jobs/callbacks.js';

// The lifecycle part of the admin API: emulated time, the simulated operator, the callback
// inspector and the job outbox.

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const CALLBACK_STATES: CallbackState[] = ['pending', 'retrying', 'delivered', 'dead'];
const JOB_STATES: JobState[] = ['pending', 'running', 'waiting', 'held', 'done', 'canceled', 'dead'];

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Runs a handler, answering bad input in the admin API's own error shape. */
function guarded<T>(reply: FastifyReply, work: () => Promise<T>) {
  return work().catch((error: unknown) => {
    if (error instanceof AdminError) return reply.code(error.status).send({ error: error.message, status: error.status });
    if (error instanceof DomainError && (error.code === 'invalid_parameter' || error.code === 'not_found')) {
      const status = error.code === 'not_found' ? 404 : 400;
      return reply.code(status).send({ error: error.message, status });
    }
    throw error;
  });
}

function listQuery(query: unknown, states: readonly string[]) {
  const q = (query ?? {}) as Record<string, string | undefined>;
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new AdminError(400, 'limit must be a whole number from 1 to 1000');
  const before = q.before === undefined ? undefined : Number(q.before);
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw new AdminError(400, 'before must be an id');
  if (q.state !== undefined && !states.includes(q.state)) throw new AdminError(400, `state must be one of ${states.join(', ')}`);
  return { limit, beforeId: before, simSid: q.sim_sid, state: q.state, kind: q.kind };
}

export function callbackJson(c: CallbackDelivery) {
  return {
    id: c.id,
    sim_sid: c.sim_sid,
    account_sid: c.account_sid,
    state: c.state,
    attempts: c.attempts,
    request: { method: c.method, url: c.url, params: c.params },
    response: c.attempts === 0 ? null : { status: c.response_status, body: c.response_body, error: c.error, duration_ms: c.duration_ms },
    replay_of: c.replay_of,
    date_created: iso(c.date_created),
    first_attempt_at: iso(c.first_attempt_at),
    last_attempt_at: iso(c.last_attempt_at),
    next_attempt_at: c.state === 'pending' || c.state === 'retrying' ? iso(c.next_attempt_at) : null,
    delivered_at: iso(c.delivered_at),
  };
}

function jobJson(j: Job) {
  return {
    id: j.id,
    kind: j.kind,
    sim_sid: j.simSid,
    state: j.state,
    run_at: iso(j.runAt),
    attempts: j.attempts,
    last_error: j.lastError,
    payload: j.payload,
    lease_owner: j.leaseOwner,
    date_created: iso(j.dateCreated),
    date_updated: iso(j.dateUpdated),
  };
}

function page<T extends { id: number }>(key: string, items: T[], limit: number, json: (item: T) => unknown) {
  return { [key]: items.map(json), next_before: items.length === limit ? items[items.length - 1].id : null };
}

export function lifecycleAdminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { engine } = ctx;
  const { store } = ctx.services;
  const clockJson = () => ({ now: new Date(engine.clock.now()).toISOString(), offset_ms: engine.clock.offset });

  app.get('/admin/v1/Clock', async () => {
    await engine.clock.refresh(true);
    return clockJson();
  });

  app.post('/admin/v1/Clock', (request, reply) =>
    guarded(reply, async () => {
      const body = (request.body ?? {}) as { advance_seconds?: unknown; now?: unknown };
      const hasAdvance = body.advance_seconds !== undefined;
      if (hasAdvance === (body.now !== undefined)) throw new AdminError(400, 'Give exactly one of {"advance_seconds":n} or {"now":"ISO-8601"}');
      if (hasAdvance) {
        if (typeof body.advance_seconds !== 'number') throw new AdminError(400, 'advance_seconds must be a number');
        await engine.clock.advance(body.advance_seconds);
      } else {
        const target = typeof body.now === 'string' ? Date.parse(body.now) : NaN;
        if (Number.isNaN(target)) throw new AdminError(400, 'now must be an ISO-8601 date-time');
        await engine.clock.set(target);
      }
      // Everything now due runs before the answer, in due order.
      const { ran, finished } = await engine.runner.runDue(engine.settings.clockRunTimeoutMs);
      engine.worker.poke();
      return { ...clockJson(), jobs_run: ran, finished };
    }),
  );

  app.get('/admin/v1/Network', async () => {
    const { date_updated, ...settings } = await store.network.get();
    return { ...settings, date_updated: iso(date_updated) };
  });

  app.post('/admin/v1/Network', (request, reply) =>
    guarded(reply, async () => {
      const { settings, resumed } = await updateNetwork(store, engine.clock, parseNetworkChange(request.body));
      if (resumed > 0) engine.worker.poke();
      const { date_updated, ...rest } = settings;
      return { ...rest, date_updated: iso(date_updated), resumed };
    }),
  );

  app.get('/admin/v1/Callbacks', (request, reply) =>
    guarded(reply, async () => {
      const q = listQuery(request.query, CALLBACK_STATES);
      const items = await store.callbacks.list({ simSid: q.simSid, state: q.state as CallbackState | undefined, beforeId: q.beforeId, limit: q.limit });
      return page('callbacks', items, q.limit, callbackJson);
    }),
  );

  app.get<{ Params: { id: string } }>('/admin/v1/Callbacks/:id', (request, reply) =>
    guarded(reply, async () => {
      const delivery = await store.callbacks.get(Number(request.params.id) || 0);
      if (!delivery) throw new AdminError(404, `Callback ${request.params.id} was not found`);
      return callbackJson(delivery);
    }),
  );

  app.post<{ Params: { id: string } }>('/admin/v1/Callbacks/:id/Replay', (request, reply) =>
    guarded(reply, async () => {
      const id = Number(request.params.id) || 0;
      const replay = await store.transaction(async (tx) => {
        const original = await tx.callbacks.get(id);
        if (!original) throw new AdminError(404, `Callback ${request.params.id} was not found`);
        const target = { url: original.url, method: original.method };
        const fields = { simSid: original.sim_sid, accountSid: original.account_sid, target, params: original.params, replayOf: original.id };
        return tx.callbacks.get(await enqueueDelivery(tx, fields, engine.clock.now()));
      });
      engine.worker.poke();
      return reply.code(201).send(callbackJson(replay as CallbackDelivery));
    }),
  );

  app.get('/admin/v1/Jobs', (request, reply) =>
    guarded(reply, async () => {
      const q = listQuery(request.query, JOB_STATES);
      const items = await store.jobs.list({ simSid: q.simSid, state: q.state as JobState | undefined, kind: q.kind, beforeId: q.beforeId, limit: q.limit });
      return page('jobs', items, q.limit, jobJson);
    }),
  );

  app.post<{ Params: { id: string } }>('/admin/v1/Jobs/:id/Retry', (request, reply) =>
    guarded(reply, async () => {
      const id = Number(request.params.id) || 0;
      if (!(await store.jobs.revive(id, engine.clock.now()))) throw new AdminError(409, `Job ${request.params.id} is not dead (or does not exist); only a dead job can be retried`);
      engine.worker.poke();
      return jobJson((await store.jobs.get(id)) as Job);
    }),
  );
}
