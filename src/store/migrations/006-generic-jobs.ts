import { sql, type Kysely } from 'kysely';

// The job engine became generic: a job's serial queue is any key (it was always a Sim's SID),
// and a job may carry a unique key among unfinished jobs (dedupe).
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.dropIndex('jobs_sim').execute();
    await db.schema.dropIndex('jobs_sim_live_timers').execute();
    await db.schema.alterTable('jobs').renameColumn('sim_sid', 'queue_key').execute();
    await db.schema.alterTable('jobs').addColumn('job_key', 'text').execute();
    // Written once per job, as jobs_sim was (migration 005).
    await db.schema.createIndex('jobs_queue').on('jobs').columns(['queue_key', 'id']).execute();
    // A queue's live jobs by kind (a Sim's timers, moved on every status change): small, so the
    // planner keeps taking it (migration 005 says why).
    await db.schema
      .createIndex('jobs_queue_live')
      .on('jobs')
      .columns(['queue_key', 'kind'])
      .where(sql.ref('state'), 'in', [sql.lit('pending'), sql.lit('held')])
      .execute();
    await db.schema
      .createIndex('jobs_key')
      .on('jobs')
      .column('job_key')
      .unique()
      // Only keyed jobs: most jobs have no key, and they then cost this index nothing.
      .where((eb) => eb.and([eb('job_key', 'is not', null), eb(sql.ref('state'), 'in', [sql.lit('pending'), sql.lit('running'), sql.lit('waiting'), sql.lit('held')])]))
      .execute();
  };
}
