import { sql, type Kysely } from 'kysely';
import type { UsageDelta, Zone } from '../../domain/devices/device-models.js';
import type { Database } from '../schema.js';
import type { UsageRepo } from '../../domain/devices/device-ports.js';

const COUNTERS = ['data_upload', 'data_download', 'commands_to_sim', 'commands_from_sim'] as const;
/** Rows per statement, well under either database's limit on bound parameters. */
const CHUNK = 500;

export function usageRepo(db: Kysely<Database>): UsageRepo {
  return {
    async add(scopeSid, deltas) {
      // One row per key: PostgreSQL refuses an upsert that touches the same row twice.
      const merged = new Map<string, UsageDelta>();
      for (const d of deltas) {
        const key = `${d.hour}|${d.zone}|${d.country}`;
        const m = merged.get(key);
        if (!m) merged.set(key, { ...d });
        else for (const c of COUNTERS) m[c] += d[c];
      }
      const rows = [...merged.values()].map((d) => ({ scope_sid: scopeSid, ...d }));
      for (let i = 0; i < rows.length; i += CHUNK) {
        await db
          .insertInto('usage_hourly')
          .values(rows.slice(i, i + CHUNK))
          .onConflict((oc) =>
            oc.columns(['scope_sid', 'hour', 'zone', 'country']).doUpdateSet((eb) => ({
              data_upload: eb('usage_hourly.data_upload', '+', eb.ref('excluded.data_upload')),
              data_download: eb('usage_hourly.data_download', '+', eb.ref('excluded.data_download')),
              commands_to_sim: eb('usage_hourly.commands_to_sim', '+', eb.ref('excluded.commands_to_sim')),
              commands_from_sim: eb('usage_hourly.commands_from_sim', '+', eb.ref('excluded.commands_from_sim')),
            })),
          )
          .execute();
      }
    },
    async sum(scopeSid, from, to, step) {
      // Integer arithmetic on the hour column reads the same in SQLite and PostgreSQL; the step is
      // inlined so that the grouped and the selected expression are the same text.
      const bucket = step === null ? null : sql<number>`hour - hour % ${sql.lit(step)}`;
      const q = db
        .selectFrom('usage_hourly')
        .select((eb) => ['zone', 'country', ...COUNTERS.map((c) => eb.fn.sum<number | string>(c).as(c))])
        .where('scope_sid', '=', scopeSid)
        .where('hour', '>=', from)
        .where('hour', '<', to)
        .groupBy(['zone', 'country']);
      const rows = bucket === null ? await q.execute() : await q.select(bucket.as('bucket')).groupBy(bucket).execute();
      // PostgreSQL returns sums of bigint as numeric text.
      return rows.map((r) => ({
        bucket: 'bucket' in r ? Number(r.bucket) : from,
        zone: r.zone as Zone,
        country: r.country,
        data_upload: Number(r.data_upload),
        data_download: Number(r.data_download),
        commands_to_sim: Number(r.commands_to_sim),
        commands_from_sim: Number(r.commands_from_sim),
      }));
    },
  };
}
