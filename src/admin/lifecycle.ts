import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../http/context.js';
import type { CallbackDelivery, CallbackState } from '../domain/callbacks.js';
import type { WispJob } from '../domain/tasks.js';
import { JOB_STATES } from '../engine/index.js';
import { parseNetworkChange } from './network-body.js';
import { badBody } from './errors.js';
import { described } from '../http/described.js';
import { Callback, Callbacks, Clock, ClockMove, ClockMoved, IdParams, Job, Jobs, ListQuery, Network, NetworkChange, NetworkUpdated, withErrors } from './schemas.js';
import { Type } from '@sinclair/typebox';

// The lifecycle part of the admin API: emulated time, the simulated operator, the callback
// inspector and the job queue.

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const CALLBACK_STATES: CallbackState[] = ['pending', 'retrying', 'delivered', 'dead'];

function listQuery<S extends string>(query: unknown, states: readonly S[]) {
  const q = (query ?? {}) as Record<string, string | undefined>;
  const limit = q.limit === undefined ? 50 : Number(q.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw badBody('limit must be a whole number from 1 to 1000');
  // An id is at most 15 digits: anything longer is beyond every id and beyond a 64-bit column.
  const before = q.before === undefined ? undefined : /^\d{1,15}$/.test(q.before) ? Number(q.before) : NaN;
  if (before !== undefined && (!Number.isInteger(before) || before < 1)) throw badBody('before must be an id (a whole number of at most 15 digits)');
  if (q.state !== undefined && !(states as readonly string[]).includes(q.state)) throw badBody(`state must be one of ${states.join(', ')}`);
  return { limit, beforeId: before, simSid: q.sim_sid, state: q.state as S | undefined, kind: q.kind };
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

function jobJson(j: WispJob) {
  return {
    id: j.id,
    kind: j.kind,
    sim_sid: j.queue,
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

/** An id from the path; anything else names no row. */
const idOf = (raw: string) => (/^\d{1,15}$/.test(raw) ? Number(raw) : 0);

export function lifecycleAdminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { time, network, callbackLog, jobLog } = ctx.services;
  const clockJson = () => ({ now: new Date(time.clock.now()).toISOString(), offset_ms: time.clock.offset });

  const SCHEMAS = {
    clock: described({ summary: 'The emulated time', responses: withErrors({ 200: Clock }) }),
    moveClock: described({
      summary: 'Move emulated time forward',
      description: 'Give exactly one of advance_seconds or now (not in the past). Every job that falls due runs, in due order, before the answer.',
      body: ClockMove,
      responses: withErrors({ 200: ClockMoved }),
    }),
    network: described({ summary: 'The simulated operator settings', responses: withErrors({ 200: Network }) }),
    setNetwork: described({ summary: 'Change the simulated operator settings', body: NetworkChange, responses: withErrors({ 200: NetworkUpdated }) }),
    callbacks: described({ summary: 'Status and Command callbacks sent, newest first', querystring: ListQuery(CALLBACK_STATES), responses: withErrors({ 200: Callbacks }) }),
    callback: described({ summary: 'One callback delivery', params: IdParams, responses: withErrors({ 200: Callback }, 404) }),
    replay: described({ summary: 'Send a recorded callback again, as a new delivery', params: IdParams, responses: withErrors({ 201: Callback }, 404) }),
    jobs: described({
      summary: 'The job queue, newest first',
      querystring: ListQuery(JOB_STATES, { kind: Type.Optional(Type.String({ description: 'A job kind, e.g. operator.apply' })) }),
      responses: withErrors({ 200: Jobs }),
    }),
    retry: described({ summary: 'Run a dead job again, with a fresh count of attempts', params: IdParams, responses: withErrors({ 200: Job }, 404, 409) }),
  };

  app.get('/admin/v1/Clock', { schema: SCHEMAS.clock }, async () => {
    await time.now();
    return clockJson();
  });

  app.post('/admin/v1/Clock', { schema: SCHEMAS.moveClock }, async (request) => {
    const body = (request.body ?? {}) as { advance_seconds?: unknown; now?: unknown };
    const hasAdvance = body.advance_seconds !== undefined;
    if (hasAdvance === (body.now !== undefined)) throw badBody('Give exactly one of {"advance_seconds":n} or {"now":"ISO-8601"}');
    let outcome: { ran: number; finished: boolean };
    if (hasAdvance) {
      if (typeof body.advance_seconds !== 'number') throw badBody('advance_seconds must be a number');
      outcome = await time.advance(body.advance_seconds);
    } else {
      const target = typeof body.now === 'string' ? Date.parse(body.now) : NaN;
      if (Number.isNaN(target)) throw badBody('now must be an ISO-8601 date-time');
      outcome = await time.set(target);
    }
    // Everything now due ran before the answer, in due order.
    return { ...clockJson(), jobs_run: outcome.ran, finished: outcome.finished };
  });

  app.get('/admin/v1/Network', { schema: SCHEMAS.network }, async () => {
    const { date_updated, ...settings } = await network.get();
    return { ...settings, date_updated: iso(date_updated) };
  });

  app.post('/admin/v1/Network', { schema: SCHEMAS.setNetwork }, async (request) => {
    const { settings, resumed } = await network.update(parseNetworkChange(request.body));
    const { date_updated, ...rest } = settings;
    return { ...rest, date_updated: iso(date_updated), resumed };
  });

  app.get('/admin/v1/Callbacks', { schema: SCHEMAS.callbacks }, async (request) => {
    const q = listQuery(request.query, CALLBACK_STATES);
    const items = await callbackLog.list({ simSid: q.simSid, state: q.state, beforeId: q.beforeId, limit: q.limit });
    return page('callbacks', items, q.limit, callbackJson);
  });

  app.get<{ Params: { id: string } }>('/admin/v1/Callbacks/:id', { schema: SCHEMAS.callback }, async (request) => callbackJson(await callbackLog.get(idOf(request.params.id))));

  app.post<{ Params: { id: string } }>('/admin/v1/Callbacks/:id/Replay', { schema: SCHEMAS.replay }, async (request, reply) => {
    return reply.code(201).send(callbackJson(await callbackLog.replay(idOf(request.params.id))));
  });

  app.get('/admin/v1/Jobs', { schema: SCHEMAS.jobs }, async (request) => {
    const q = listQuery(request.query, JOB_STATES);
    const items = await jobLog.list({ queue: q.simSid, state: q.state, kind: q.kind, beforeId: q.beforeId, limit: q.limit });
    return page('jobs', items, q.limit, jobJson);
  });

  app.post<{ Params: { id: string } }>('/admin/v1/Jobs/:id/Retry', { schema: SCHEMAS.retry }, async (request) => jobJson(await jobLog.retry(idOf(request.params.id))));
}

