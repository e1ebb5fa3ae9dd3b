import type { Kysely, Selectable } from 'kysely';
import type { NetworkSettings } from '../../domain/models.js';
import type { Database, NetworkStateTable } from '../schema.js';
import type { NetworkRepo } from '../../domain/ports.js';
import type { Dialect } from '../migrations/columns.js';
import { compiledQuery } from '../../lib/compiled-query.js';
import { batchedLookup } from '../tuning/batch.js';

const ROW = 1;

const fromRow = (row: Selectable<NetworkStateTable>): NetworkSettings => ({
  available: row.available === 1,
  latency_ms: row.latency_ms,
  failure_rate: Number(row.failure_rate),
  date_updated: row.date_updated,
});

// The simulated operator reads the settings twice a call; compiled once (src/lib/compiled-query.ts).
// Outside a transaction the reads that arrive together share one query (src/store/tuning/batch.ts):
// every operator call in flight asks for the same row.
const settings = compiledQuery((db: Kysely<Database>) => db.selectFrom('network_state').selectAll().where('id', '=', ROW));
// A worker deciding to park a job reads under a share lock, so a concurrent "available
// again" either waits for it (and wakes the parked job) or is seen by it.
const settingsShared = compiledQuery((db: Kysely<Database>) => db.selectFrom('network_state').selectAll().where('id', '=', ROW).forShare());

export function networkRepo(db: Kysely<Database>, dialect: Dialect, inTransaction: boolean): NetworkRepo {
  const shared = inTransaction ? undefined : batchedLookup({ fetch: () => settings.all(db, {}), keyOf: (row) => row.id, maxBatch: 1 });
  const read = async (share: boolean) => {
    const row = await (share && dialect === 'postgres' ? settingsShared.first(db, {}) : shared ? shared(ROW) : settings.first(db, {}));
    if (!row) throw new Error('network_state has no settings row; the store was not initialised');
    return fromRow(row);
  };
  return {
    async ensure(defaults) {
      await db
        .insertInto('network_state')
        .values({
          id: ROW,
          available: defaults.available ? 1 : 0,
          latency_ms: defaults.latency_ms,
          failure_rate: defaults.failure_rate,
          date_updated: defaults.date_updated,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .execute();
    },
    get: () => read(false),
    getForShare: () => read(true),
    async update(changes) {
      const set: Partial<Selectable<NetworkStateTable>> = {};
      if (changes.available !== undefined) set.available = changes.available ? 1 : 0;
      if (changes.latency_ms !== undefined) set.latency_ms = changes.latency_ms;
      if (changes.failure_rate !== undefined) set.failure_rate = changes.failure_rate;
      if (changes.date_updated !== undefined) set.date_updated = changes.date_updated;
      if (Object.keys(set).length > 0) await db.updateTable('network_state').set(set).where('id', '=', ROW).execute();
      return read(false);
    },
  };
}
