import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../schema.js';
import type { SimBatchesTable } from '../schema-batches.js';
import type { BatchStatus, SimBatch, SimBatchRepo } from '../../domain/batches/batch-models.js';
import type { HttpMethod } from '../../domain/models.js';
import { toPage } from './paging.js';
import { mapUnique } from '../unique.js';
import { DomainError } from '../../domain/errors.js';

const fromRow = (row: Selectable<SimBatchesTable>): SimBatch => ({
  sid: row.sid,
  account_sid: row.account_sid,
  status: row.status as BatchStatus,
  action: JSON.parse(row.action) as SimBatch['action'],
  requester: JSON.parse(row.requester) as SimBatch['requester'],
  selection: JSON.parse(row.selection) as SimBatch['selection'],
  wait_for_updating: row.wait_for_updating === 1,
  total: Number(row.total),
  applied: Number(row.applied),
  refused: Number(row.refused),
  skipped: Number(row.skipped),
  cursor: Number(row.cursor),
  idempotency_key: row.idempotency_key,
  request_hash: row.request_hash,
  start_at: Number(row.start_at),
  callback_url: row.callback_url,
  callback_method: row.callback_method as HttpMethod,
  date_created: Number(row.date_created),
  date_updated: Number(row.date_updated),
  date_started: row.date_started === null ? null : Number(row.date_started),
  date_completed: row.date_completed === null ? null : Number(row.date_completed),
});

const toRow = (batch: SimBatch) => ({
  ...batch,
  action: JSON.stringify(batch.action),
  requester: JSON.stringify(batch.requester),
  selection: JSON.stringify(batch.selection),
  wait_for_updating: batch.wait_for_updating ? 1 : 0,
});

export function simBatchRepo(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): SimBatchRepo {
  return {
    async insert(batch) {
      // Two requests with one idempotency key at once: the second meets the unique index.
      await mapUnique(db.insertInto('sim_batches').values(toRow(batch)).execute(), {
        idempotency_key: () => new DomainError('idempotency_conflict', `The idempotency key "${batch.idempotency_key}" is being used by another request`),
      });
    },
    async get(sid) {
      const row = await db.selectFrom('sim_batches').selectAll().where('sid', '=', sid).executeTakeFirst();
      return row && fromRow(row);
    },
    async getForUpdate(sid) {
      let q = db.selectFrom('sim_batches').selectAll().where('sid', '=', sid);
      // SQLite serialises writers already; PostgreSQL needs the row lock.
      if (dialect === 'postgres') q = q.forUpdate();
      const row = await q.executeTakeFirst();
      return row && fromRow(row);
    },
    async getByIdempotencyKey(accountSid, key) {
      const row = await db.selectFrom('sim_batches').selectAll().where('account_sid', '=', accountSid).where('idempotency_key', '=', key).executeTakeFirst();
      return row && fromRow(row);
    },
    async list(filter, page) {
      let q = db.selectFrom('sim_batches').selectAll().where('account_sid', '=', filter.accountSid);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      // Newest first: the sequence walked backwards.
      const backward = page.beforeSeq !== undefined;
      if (page.afterSeq !== undefined) q = q.where('seq', '<', page.afterSeq);
      if (page.beforeSeq !== undefined) q = q.where('seq', '>', page.beforeSeq);
      const rows = await q.orderBy('seq', backward ? 'asc' : 'desc').limit(page.limit + 1).execute();
      const hasMore = rows.length > page.limit;
      if (hasMore) rows.pop();
      if (backward) rows.reverse();
      return toPage({ rows: rows.map((row) => ({ ...row, seq: Number(row.seq) })), hasMore }, fromRow);
    },
    async update(sid, changes) {
      await db.updateTable('sim_batches').set(changes).where('sid', '=', sid).execute();
    },
    async pruneFinishedBefore(before, limit) {
      // A batch may have many items: delete at most `limit` rows per call, items first, each
      // batch once it has none left.
      let deleted = 0;
      while (deleted < limit) {
        const batch = await db.selectFrom('sim_batches').select('sid').where('date_completed', '<', before).orderBy('date_completed').limit(1).executeTakeFirst();
        if (!batch) break;
        const room = limit - deleted;
        const last = await db.selectFrom('sim_batch_items').select('position').where('batch_sid', '=', batch.sid).orderBy('position').offset(room - 1).limit(1).executeTakeFirst();
        let items = db.deleteFrom('sim_batch_items').where('batch_sid', '=', batch.sid);
        if (last) items = items.where('position', '<=', last.position);
        deleted += Number((await items.executeTakeFirst()).numDeletedRows);
        if (last) break;
        await db.deleteFrom('sim_batches').where('sid', '=', batch.sid).execute();
        deleted += 1;
      }
      return deleted;
    },
  };
}
