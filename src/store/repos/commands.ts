import type { Kysely, Selectable } from 'kysely';
import type { HttpMethod } from '../../domain/models.js';
import type { Command, CommandDirection, CommandMode, CommandStatus, CommandTransport } from '../../domain/devices/device-models.js';
import type { Database } from '../schema.js';
import type { CommandsTable } from '../schema-devices.js';
import type { CommandRepo } from '../../domain/devices/device-ports.js';
import { keysetPage, toPage } from './paging.js';

const fromRow = ({ seq: _seq, ...row }: Selectable<CommandsTable>): Command => ({
  ...row,
  command_mode: row.command_mode as CommandMode,
  transport: row.transport as CommandTransport,
  delivery_receipt_requested: row.delivery_receipt_requested === 1,
  status: row.status as CommandStatus,
  direction: row.direction as CommandDirection,
  callback_method: row.callback_method as HttpMethod,
});

export function commandRepo(db: Kysely<Database>): CommandRepo {
  return {
    async insert(command) {
      await db
        .insertInto('commands')
        .values({ ...command, delivery_receipt_requested: Number(command.delivery_receipt_requested) })
        .execute();
    },
    async get(sid) {
      const row = await db.selectFrom('commands').selectAll().where('sid', '=', sid).executeTakeFirst();
      return row && fromRow(row);
    },
    async list(filter, page) {
      let q = db.selectFrom('commands').selectAll().where('account_sid', '=', filter.accountSid);
      if (filter.simSid !== undefined) q = q.where('sim_sid', '=', filter.simSid);
      if (filter.status !== undefined) q = q.where('status', '=', filter.status);
      if (filter.direction !== undefined) q = q.where('direction', '=', filter.direction);
      if (filter.transport !== undefined) q = q.where('transport', '=', filter.transport);
      if (filter.createdSince !== undefined) q = q.where('date_created', '>=', filter.createdSince);
      return toPage(await keysetPage(q, 'seq', page), fromRow);
    },
    async queuedFor(simSid) {
      const rows = await db
        .selectFrom('commands')
        .select('sid')
        .where('sim_sid', '=', simSid)
        .where('status', '=', 'queued')
        .where('direction', '=', 'to_sim')
        .orderBy('seq')
        .execute();
      return rows.map((r) => r.sid);
    },
    async transition(sid, from, changes) {
      const result = await db.updateTable('commands').set(changes).where('sid', '=', sid).where('status', '=', from).executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async delete(sid) {
      await db.deleteFrom('commands').where('sid', '=', sid).execute();
    },
    async pruneCreatedBefore(before, limit) {
      // Sequence numbers grow with creation time: the first Command created since `before`
      // bounds the search, so neither query reads the young ones, however many there are.
      const young = await db.selectFrom('commands').select('seq').where('date_created', '>=', before).orderBy('seq').limit(1).executeTakeFirst();
      const old = db.selectFrom('commands').select('seq').where('date_created', '<', before).orderBy('seq').limit(limit);
      const result = await db
        .deleteFrom('commands')
        .where('seq', 'in', young ? old.where('seq', '<', young.seq) : old)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
