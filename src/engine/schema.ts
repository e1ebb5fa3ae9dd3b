import type { Generated } from 'kysely';

// The jobs table as the engine reads and writes it. Its migrations run with the rest of the
// database's (src/store/migrations): one history per database.

export interface JobsTable {
  id: Generated<number>;
  kind: string;
  /** The serial queue (NewJob.queue). */
  queue_key: string | null;
  /** The unique key among unfinished jobs (NewJob.key). */
  job_key: string | null;
  /** Whom the job works for (NewJob.fairKey), for per-key limits of slot groups. */
  fair_key: string | null;
  /** JSON text. */
  payload: string;
  state: string;
  run_at: number;
  attempts: number;
  lease_owner: string | null;
  lease_expires: number | null;
  last_error: string | null;
  date_created: number;
  date_updated: number;
}

export interface JobsDatabase {
  jobs: JobsTable;
}

/** The states in which a job still holds its key (the predicate of the jobs_key index). */
export const KEYED_STATES = ['pending', 'running', 'waiting', 'held'] as const;
