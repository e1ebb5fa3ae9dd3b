import type { Kysely } from 'kysely';
import type { SimFee } from '../../domain/models.js';
import type { Database } from '../schema.js';
import type { FeeRepo } from '../../domain/ports.js';

export function feeRepo(db: Kysely<Database>): FeeRepo {
  return {
    async record(fee) {
      const inserted = await db
        .insertInto('sim_fees')
        .values(fee)
        .onConflict((oc) => oc.columns(['sim_sid', 'period_start']).doNothing())
        .returning('id')
        .execute();
      return inserted.length > 0;
    },
    async list(simSid) {
      const rows = await db.selectFrom('sim_fees').selectAll().where('sim_sid', '=', simSid).orderBy('period_start').execute();
      return rows.map(({ id: _id, ...row }) => ({ ...row, kind: row.kind as SimFee['kind'] }));
    },
  };
}
