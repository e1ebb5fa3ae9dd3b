import type { Insertable, Kysely, Selectable } from 'kysely';
import type { CallbackAttempt, CallbackDelivery, CallbackState } from '../../domain/callbacks.js';
import type { HttpMethod } from '../../domain/models.js';
import type { CallbacksTable, Database } from '../schema.js';
import type { CallbackRepo } from '../../domain/ports.js';
import { compiledQuery } from '../../lib/compiled-query.js';
import { coalescedReads } from '../tuning/coalesced.js';

const fromRow = (row: Selectable<CallbacksTable>): CallbackDelivery => ({
  ...row,
  method: row.method as HttpMethod,
  state: row.state as CallbackState,
  params: JSON.parse(row.params) as Record<string, string>,
});

// Every status callback runs these; compiled once (src/lib/compiled-query.ts).
const insertCallback = compiledQuery((db: Kysely<Database>, p: Insertable<CallbacksTable>) =>
  db
    .insertInto('callbacks')
    .values({
      sim_sid: p.sim_sid,
      account_sid: p.account_sid,
      url: p.url,
      method: p.method,
      params: p.params,
      state: p.state,
      attempts: p.attempts,
      response_status: p.response_status,
      response_body: p.response_body,
      error: p.error,
      duration_ms: p.duration_ms,
      replay_of: p.replay_of,
      next_attempt_at: p.next_attempt_at,
      first_attempt_at: p.first_attempt_at,
      last_attempt_at: p.last_attempt_at,
      delivered_at: p.delivered_at,
      date_created: p.date_created,
    })
    .returning('id'),
);

const callbackById = compiledQuery((db: Kysely<Database>, p: { id: number }) => db.selectFrom('callbacks').selectAll().where('id', '=', p.id));

type AttemptParams = Omit<CallbackAttempt, 'nextAttemptAt'> & { id: number; nextAttemptAt: number | null; deliveredAt: number | null };
const recordAttempt = compiledQuery((db: Kysely<Database>, p: AttemptParams) =>
  db
    .updateTable('callbacks')
    .set((eb) => ({
      state: p.state,
      attempts: eb('attempts', '+', 1),
      response_status: p.responseStatus,
      response_body: p.responseBody,
      error: p.error,
      duration_ms: p.durationMs,
      next_attempt_at: p.nextAttemptAt,
      first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(p.at)),
      last_attempt_at: p.at,
      delivered_at: p.deliveredAt,
    }))
    .where('id', '=', p.id),
);

export function callbackRepo(db: Kysely<Database>, inTransaction: boolean): CallbackRepo {
  // Every delivery starts by reading its callback; those that start together share a query.
  const getOutsideTransaction = inTransaction
    ? undefined
    : coalescedReads(db, { select: (db, ids: number[]) => db.selectFrom('callbacks').selectAll().where('id', 'in', ids), keyOf: (row) => Number(row.id), maxBatch: 50 });
  return {
    async insert(delivery) {
      const [row] = await insertCallback.all(db, { ...delivery, params: JSON.stringify(delivery.params) });
      return Number(row.id);
    },
    async get(id) {
      const row = getOutsideTransaction ? await getOutsideTransaction(id) : await callbackById.first(db, { id });
      return row && fromRow(row);
    },
    async recordAttempt(id, attempt) {
      await recordAttempt.run(db, { ...attempt, id, deliveredAt: attempt.state === 'delivered' ? attempt.at : null });
    },
    pruneDelivered: (before, limit) => pruneWhere(db, 'delivered', 'delivered_at', before, limit),
    pruneDead: (before, limit) => pruneWhere(db, 'dead', 'last_attempt_at', before, limit),
    async list({ simSid, state, beforeId, limit }) {
      let q = db.selectFrom('callbacks').selectAll();
      if (simSid !== undefined) q = q.where('sim_sid', '=', simSid);
      if (state !== undefined) q = q.where('state', '=', state);
      if (beforeId !== undefined) q = q.where('id', '<', beforeId);
      const rows = await q.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(fromRow);
    },
  };
}

/** Deletes up to `limit` deliveries in `state` whose `at` is before `before`; returns how many. */
async function pruneWhere(db: Kysely<Database>, state: string, at: 'delivered_at' | 'last_attempt_at', before: number, limit: number): Promise<number> {
  // As for jobs (engine/jobs-sql.ts): the first delivery created since `before` bounds the search.
  const young = await db.selectFrom('callbacks').select('id').where('date_created', '>=', before).orderBy('id').limit(1).executeTakeFirst();
  const old = db
    .selectFrom('callbacks')
    .select('id')
    .where('state', '=', state)
    .where((eb) => eb(eb.fn.coalesce(at, 'date_created'), '<', before))
    .orderBy('id')
    .limit(limit);
  const result = await db
    .deleteFrom('callbacks')
    .where('id', 'in', young ? old.where('id', '<', young.id) : old)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
