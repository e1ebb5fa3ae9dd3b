import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ClockRepo } from '../../domain/ports.js';
import { compiledQuery } from '../../lib/compiled-query.js';

const ROW = 1;

// Every process reads it several times a second; compiled once (src/lib/compiled-query.ts).
const offsetRow = compiledQuery((db: Kysely<Database>) => db.selectFrom('emulated_clock').select('offset_ms').where('id', '=', ROW));

export function clockRepo(db: Kysely<Database>): ClockRepo {
  const offset = async () => {
    const row = await offsetRow.first(db, {});
    return row ? Number(row.offset_ms) : 0;
  };
  return {
    offset,
    async advance(offsetMs) {
      await db
        .insertInto('emulated_clock')
        .values({ id: ROW, offset_ms: 0 })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
      // Never backwards, even when two processes move the clock at once.
      await db.updateTable('emulated_clock').set({ offset_ms: offsetMs }).where('id', '=', ROW).where('offset_ms', '<', offsetMs).execute();
      return offset();
    },
  };
}
