// The durable job engine's vocabulary. Generic: a job is a kind, a JSON payload typed by its
// kind (a task map, declared by whoever enqueues), an optional serial queue and an optional
// unique key. Nothing here knows what a job is for.

/**
 * `pending` waits for run_at; `running` is leased by a worker; `waiting` waits for an outside
 * condition (`wakeWaiting` makes it due); `held` is paused until its queue's owner releases it;
 * `done`, `canceled` and `dead` are final.
 */
export type JobState = 'pending' | 'running' | 'waiting' | 'held' | 'done' | 'canceled' | 'dead';

export const JOB_STATES: readonly JobState[] = ['pending', 'running', 'waiting', 'held', 'done', 'canceled', 'dead'];

/** The payload type of each kind of job, in the manner of graphile-worker's task list. */
export type TaskMap = Record<string, unknown>;

/** A kind of job named in the task map. */
export type KindOf<Tasks extends TaskMap> = keyof Tasks & string;

export interface NewJob<Tasks extends TaskMap, K extends KindOf<Tasks> = KindOf<Tasks>> {
  kind: K;
  /**
   * The serial queue: jobs with the same queue run one at a time, in due order. Null runs
   * alongside anything.
   */
  queue: string | null;
  /** Unique among unfinished jobs: enqueueing a key that is live returns that job instead. */
  key?: string | null;
  /**
   * Whom the job works for (an account, a tenant). A slot group with a per-key limit runs at
   * most that many jobs of one key at once, so one key's slow jobs cannot take every slot.
   */
  fairKey?: string | null;
  payload: Tasks[K];
  /** Epoch milliseconds of the engine's clock. */
  runAt: number;
}

export interface StoredJob<K extends string, P> {
  id: number;
  kind: K;
  queue: string | null;
  key: string | null;
  fairKey: string | null;
  payload: P;
  state: JobState;
  runAt: number;
  attempts: number;
  leaseOwner: string | null;
  /** Real (not emulated) epoch milliseconds. */
  leaseExpires: number | null;
  lastError: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/** A job of one kind, its payload typed. */
export type Job<Tasks extends TaskMap, K extends KindOf<Tasks> = KindOf<Tasks>> = StoredJob<K, Tasks[K]>;

/** A job of any kind in the map: narrowing on `kind` narrows the payload. */
export type AnyJob<Tasks extends TaskMap> = { [K in KindOf<Tasks>]: Job<Tasks, K> }[KindOf<Tasks>];

/** How a job ends when its handler returns: done unless it says otherwise. */
export type Settlement =
  | { state: 'done' }
  | { state: 'held' }
  | { state: 'waiting' }
  | { state: 'pending'; runAt: number; refundAttempt: boolean };

/** The engine's time: emulated or real, whatever its owner runs on. */
export interface EngineClock {
  now(): number;
}

/** Where the engine reports trouble; `err` in the details is the error itself, for the owner to write as it sees fit. */
export interface EngineLog {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}
