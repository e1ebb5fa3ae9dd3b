import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ClockRepo } from '../store.js';

const ROW = 1;

export function clockRepo(db: Kysely<Database>): ClockRepo {
  const offset = async () => {
    const row = await db.selectFrom('emulated_clock').select('offset_ms').where('id', '=', ROW).executeTakeFirst();
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
