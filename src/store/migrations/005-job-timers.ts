import { sql, type Kysely } from 'kysely';

// A Sim's live timers, indexed apart from the rest of the queue. Every status change looks them
// up by Sim; with the general jobs_sim index PostgreSQL's planner, when its statistics show few
// pending jobs (as they do between bursts), chose jobs_due instead and scanned every pending job
// for each lookup (docs/performance.md). This index holds only live timers, so it stays small
// and is the obvious choice for a query whose WHERE repeats its condition.
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema
      .createIndex('jobs_sim_live_timers')
      .on('jobs')
      .columns(['sim_sid', 'kind'])
      .where(sql.ref('state'), 'in', [sql.lit('pending'), sql.lit('held')])
      .execute();
  };
}
