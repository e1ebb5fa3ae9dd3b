// The durable job engine: jobs with leases, attempts, backoff and a dead state; a serial queue
// key and a unique job key; delayed jobs (timers) moved or cancelled by queue and kind; jobs
// written inside the caller's transaction, with a signal after commit. Generic: it knows
// nothing of what a job is for. See README.md beside this file.
export type { AnyJob, EngineClock, EngineLog, Job, JobState, KindOf, NewJob, Settlement, StoredJob, TaskMap } from './types.js';
export { JOB_STATES } from './types.js';
export type { EngineStore, EngineTransactionOptions, JobCancel, JobClaim, JobLedger, JobListFilter, JobMove, JobQueue, Jobs, JobStats, KeyLimit, LeaseRequest, LeaseResult, LeaseSlots } from './ports.js';
export { kyselyJobs, type EngineDialect } from './jobs-sql.js';
export type { JobsDatabase, JobsTable } from './schema.js';
export { JobRunner, LostLease, backoffMs, jitteredBackoffMs, type JobContext, type RunObserver, type RunOutcome, type JobHandler, type RunnerSettings, type SlotGroup, type TaskHandlers } from './runner.js';
export { Worker, type WorkerSettings, type WorkSource } from './worker.js';
export { Pruner, type PruneTarget } from './pruner.js';
export { JobSignal } from './signal.js';
