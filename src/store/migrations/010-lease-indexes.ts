import { sql, type Kysely } from 'kysely';

// The job queue's indexes, each for one way of reading it (src/engine/lease-sql.ts), so that
// every read is an ordered range whatever else the queue holds, and no two indexes serve the same
// query: with the statistics of an idle queue (taken between bursts, or never, with autovacuum
// off), PostgreSQL's planner could not tell jobs_due (state, run_at, id) from a better index and
// took it, reading every due job of every kind for one kind's lease, or every running job's
// entry, dead ones included, to finish one job.
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.dropIndex('jobs_due').execute();
    // Due jobs of one kind, in due order: a lease reads a window per kind of its slot group.
    await db.schema
      .createIndex('jobs_pending_kind')
      .on('jobs')
      .columns(['kind', 'run_at', 'id'])
      .where(sql.ref('state'), '=', sql.lit('pending'))
      .execute();
    // Running jobs by lease expiry: the live ones (busy queues, per-key counts) and the expired.
    await db.schema
      .createIndex('jobs_running')
      .on('jobs')
      .column('lease_expires')
      .where(sql.ref('state'), '=', sql.lit('running'))
      .execute();
    // Jobs set aside (held timers, work waiting for the operator, dead jobs), newest first for
    // the admin API; few, so listing them never walks the finished jobs.
    await db.schema
      .createIndex('jobs_parked')
      .on('jobs')
      .columns(['state', 'id'])
      .where(sql.ref('state'), 'in', [sql.lit('held'), sql.lit('waiting'), sql.lit('dead')])
      .execute();
  };
}
