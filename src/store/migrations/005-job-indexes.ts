import { sql, type Kysely } from 'kysely';

// Indexes of the job queue by Sim, shaped for what each change writes (docs/performance.md).
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    // jobs_sim was (sim_sid, state): every step of every job (pending → running → done) moved
    // its entry, a write to a random page of the index each time. By (sim_sid, id) an entry is
    // written once, when the job is; the few lookups by Sim filter the state themselves.
    await db.schema.dropIndex('jobs_sim').execute();
    await db.schema.createIndex('jobs_sim').on('jobs').columns(['sim_sid', 'id']).execute();
    // A Sim's live timers, which every status change looks up. Kept apart, this index stays
    // small, and PostgreSQL's planner takes it even when its statistics show few pending jobs
    // (as they do between bursts); with the general index it chose jobs_due and scanned every
    // pending job for each lookup.
    await db.schema
      .createIndex('jobs_sim_live_timers')
      .on('jobs')
      .columns(['sim_sid', 'kind'])
      .where(sql.ref('state'), 'in', [sql.lit('pending'), sql.lit('held')])
      .execute();
  };
}
