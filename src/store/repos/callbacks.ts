import type { Kysely, Selectable } from 'kysely';
import type { CallbackDelivery, CallbackState } from '../../domain/outbox.js';
import type { HttpMethod } from '../../domain/models.js';
import type { CallbacksTable, Database } from '../schema.js';
import type { CallbackRepo } from '../store.js';

const fromRow = (row: Selectable<CallbacksTable>): CallbackDelivery => ({
  ...row,
  method: row.method as HttpMethod,
  state: row.state as CallbackState,
  params: JSON.parse(row.params) as Record<string, string>,
});

export function callbackRepo(db: Kysely<Database>): CallbackRepo {
  return {
    async insert(delivery) {
      const row = await db
        .insertInto('callbacks')
        .values({ ...delivery, params: JSON.stringify(delivery.params) })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },
    async get(id) {
      const row = await db.selectFrom('callbacks').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },
    async recordAttempt(id, attempt) {
      await db
        .updateTable('callbacks')
        .set((eb) => ({
          state: attempt.state,
          attempts: eb('attempts', '+', 1),
          response_status: attempt.responseStatus,
          response_body: attempt.responseBody,
          error: attempt.error,
          duration_ms: attempt.durationMs,
          next_attempt_at: attempt.nextAttemptAt,
          first_attempt_at: eb.fn.coalesce('first_attempt_at', eb.val(attempt.at)),
          last_attempt_at: attempt.at,
          delivered_at: attempt.state === 'delivered' ? attempt.at : null,
        }))
        .where('id', '=', id)
        .execute();
    },
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
