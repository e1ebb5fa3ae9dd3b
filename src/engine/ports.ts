import type { AnyJob, JobState, KindOf, NewJob, TaskMap } from './types.js';

// What the engine needs from its database, and what it offers the code that enqueues. The
// jobs table's statements are the engine's own (jobs-sql.ts); the owner of the database mounts
// them on its handles, so a job is written inside the caller's transaction.

/** A selection of live jobs by serial queue and kind, for moving timers and the like. */
export interface JobMove<Tasks extends TaskMap> {
  queue: string;
  kinds: readonly KindOf<Tasks>[];
  from: readonly ('pending' | 'held')[];
  to: 'pending' | 'held' | 'canceled';
}

/** A queue's unfinished jobs of some kinds, whatever their state, for cancelling what they were for. */
export interface JobCancel<Tasks extends TaskMap> {
  queue: string;
  kinds: readonly KindOf<Tasks>[];
}

export interface JobListFilter<Tasks extends TaskMap> {
  state?: JobState;
  kind?: KindOf<Tasks>;
  queue?: string;
  beforeId?: number;
  limit: number;
}

/** What code that causes work uses, inside its own transaction. */
export interface JobQueue<Tasks extends TaskMap> {
  /** Writes a pending job (or returns the live job that holds its key); the worker wakes when it commits. */
  enqueue<K extends KindOf<Tasks>>(job: NewJob<Tasks, K>, now: number): Promise<number>;
  /** Moves the selected live jobs to another state; returns how many moved. */
  move(selection: JobMove<Tasks>, now: number): Promise<number>;
  /**
   * Cancels the selected unfinished jobs (pending, running, waiting or held) and frees their
   * keys at once; returns how many. A running one's outcome is discarded: its settle writes
   * nothing and throws LostLease (what it already did outside the database stays done).
   */
  cancel(selection: JobCancel<Tasks>, now: number): Promise<number>;
  /** Every waiting job becomes due now; returns how many. */
  wakeWaiting(now: number): Promise<number>;
  get(id: number): Promise<AnyJob<Tasks> | undefined>;
  /** Newest first. */
  list(filter: JobListFilter<Tasks>): Promise<AnyJob<Tasks>[]>;
  /** A dead job runs again now, with a fresh count of attempts. */
  revive(id: number, now: number): Promise<boolean>;
}

/**
 * Free slots to fill: up to `limit` jobs of these kinds. A worker leases only kinds it can run, so
 * during a rolling upgrade an older worker leaves a newer kind to the workers that know it.
 */
export interface LeaseSlots {
  kinds: readonly string[];
  limit: number;
  /** At most this many running jobs of these kinds (across every worker) per fairness key. */
  perKeyLimit?: number;
}

/** Options for leasing due jobs. */
export interface LeaseRequest {
  owner: string;
  /** Engine time: pending jobs with run_at at or before it are due. */
  dueBy: number;
  /** Real time: running jobs whose lease expired before it are taken over. */
  realNow: number;
  leaseMs: number;
  /** Engine time, for date_updated. */
  now: number;
  /**
   * Also lease jobs created since this time to run at once, even after dueBy: the work that due
   * jobs cause, such as the callback of a change the operator just applied.
   */
  causedSince?: number;
  /** What to fill, in one lease: one entry, or one per slot group with free slots. */
  slots: readonly LeaseSlots[];
}

export interface JobStats {
  counts: { kind: string; state: JobState; count: number }[];
  oldestDueRunAt: number | null;
}

export interface LeaseResult<Tasks extends TaskMap> {
  jobs: AnyJob<Tasks>[];
  /** Another transaction held the lease lock: nothing was leased, and due jobs may be waiting. */
  contended: boolean;
}

/** At most `limit` running jobs of `kinds` per fairness key, counting leases alive at `realNow` (real time). */
export interface KeyLimit {
  kinds: readonly string[];
  limit: number;
  realNow: number;
}

/** A job written already leased, for the worker whose transaction caused it to run it next. */
export interface JobClaim {
  owner: string;
  /** Real epoch milliseconds. */
  leaseExpires: number;
}

/**
 * The engine's own bookkeeping. Every method that ends or moves a leased job takes the owner and
 * returns false, writing nothing, when that owner no longer holds the lease.
 */
export interface JobLedger<Tasks extends TaskMap> {
  /** Writes a job already running, leased to the claim's owner (attempt 1). */
  enqueueClaimed<K extends KindOf<Tasks>>(job: NewJob<Tasks, K>, now: number, claim: JobClaim): Promise<number>;
  /**
   * Leases due jobs in due order, at most one per queue and none of a queue that has one
   * running. `contended` when another transaction held the lease lock, so nothing was leased.
   */
  lease(request: LeaseRequest): Promise<LeaseResult<Tasks>>;
  /**
   * As enqueueClaimed, for a job whose fairness key is under a per-key limit: written running
   * only while its key stays within the limit across every worker, otherwise pending (and the
   * workers are woken after commit). On PostgreSQL it takes the lease lock for the rest of the
   * transaction first, and leaves the job pending when another transaction holds it.
   */
  enqueueClaimedWithin<K extends KindOf<Tasks>>(job: NewJob<Tasks, K> & { fairKey: string }, now: number, claim: JobClaim, limit: KeyLimit): Promise<{ id: number; claimed: boolean }>;
  finish(id: number, owner: string, state: 'done' | 'dead' | 'canceled', now: number, error?: string | null): Promise<boolean>;
  /** Back to pending at runAt; `refundAttempt` when the run did not count as a try. */
  reschedule(id: number, owner: string, options: { runAt: number; now: number; error: string | null; refundAttempt: boolean }): Promise<boolean>;
  /** To `waiting` or `held`; the run does not count as a try. */
  park(id: number, owner: string, state: 'waiting' | 'held', now: number): Promise<boolean>;
  /** Renews the leases of these jobs while `owner` holds them. */
  extendLeases(owner: string, ids: number[], until: number): Promise<void>;
  /** Unfinished (and dead) jobs by kind and state, and the run_at of the oldest pending job due by `dueBy`. */
  stats(dueBy: number): Promise<JobStats>;
  /** Jobs due by `dueBy` that are not finished: pending ones, and running ones. */
  countDue(dueBy: number, causedSince?: number): Promise<{ pending: number; running: number }>;
  /** Deletes up to `limit` done or canceled jobs created and last changed before `before`; returns how many. */
  pruneFinished(before: number, limit: number): Promise<number>;
  /** Deletes up to `limit` dead jobs that died before `before`; returns how many. */
  pruneDead(before: number, limit: number): Promise<number>;
}

export type Jobs<Tasks extends TaskMap> = JobQueue<Tasks> & JobLedger<Tasks>;

export interface EngineTransactionOptions {
  /**
   * The engine's own bookkeeping (leases, outcomes), which the durable queue re-does if a
   * database crash loses it: the database may answer the commit before it reaches the disk.
   * Such transactions may run together in one database transaction, side by side, except two
   * with the same `key` (a queue: its work stays in order). `work` may then run again after a
   * rollback: it must have no effects outside the database.
   */
  replayable?: { key: string };
}

/** A database the engine runs on: its jobs, and transactions whose handle `Tx` carries them too. */
export interface EngineStore<Tasks extends TaskMap, Tx extends { jobs: Jobs<Tasks> }> {
  jobs: Jobs<Tasks>;
  transaction<T>(work: (tx: Tx) => Promise<T>, options?: EngineTransactionOptions): Promise<T>;
}
