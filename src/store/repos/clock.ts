import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ClockRepo } from '../../domain/ports.js';
import { compiledQuery } from '../../lib/compiled-query.js';

const ROW = 1;

// Every process reads it several times a second; compiled once (src/lib/compiled-query.ts).
// One statement, so the offset and the state version are read together. The clock has no row
// until it first moves (and after a reset): the offset is then 0.
const clockRow = compiledQuery((db: Kysely<Database>) =>
  db
    .selectFrom('state_version')
    .leftJoin('emulated_clock', 'emulated_clock.id', 'state_version.id')
    .select(['emulated_clock.offset_ms', 'state_version.version'])
    .where('state_version.id', '=', ROW),
);

export function clockRepo(db: Kysely<Database>): ClockRepo {
  const read = async () => {
    const row = await clockRow.first(db, {});
    return { offsetMs: Number(row?.offset_ms ?? 0), stateVersion: Number(row?.version ?? 0) };
  };
  const offset = async () => (await read()).offsetMs;
  return {
    read,
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
