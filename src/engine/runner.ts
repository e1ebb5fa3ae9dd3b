import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { AnyJob, EngineClock, EngineLog, Job, KindOf, Settlement, TaskMap } from './types.js';
import type { EngineStore, EngineTransactionOptions, Jobs, LeaseResult, LeaseSlots } from './ports.js';

export interface JobContext<Tx> {
  store: Tx;
  clock: EngineClock;
  /**
   * Runs `work` in one transaction together with the job's own outcome (done unless `work`
   * returns another settlement). Throws LostLease, writing nothing, when another worker has
   * taken the job over meanwhile.
   */
  settle(work?: (tx: Tx, now: number) => Promise<Settlement | void>): Promise<void>;
}

/** What runs a kind of job: `run` does the work, the hooks report failures. */
export interface JobHandler<J, Tx> {
  run(job: J, ctx: JobContext<Tx>): Promise<void>;
  /** Tries before the job is dead; the runner's default when absent. */
  maxAttempts?: number;
  /** In the transaction that schedules the next try. */
  onRetry?(tx: Tx, job: J, error: unknown, nextRunAt: number, now: number): Promise<void>;
  /** In the transaction that marks the job dead: undo or report what it was for. */
  onDead?(tx: Tx, job: J, error: unknown, now: number): Promise<void>;
  /**
   * When `onDead` itself failed: a simpler undo, in a transaction of its own that also marks the
   * job dead, so that what the job was for is never left half done.
   */
  onUndoFailed?(tx: Tx, job: J, error: unknown, now: number): Promise<void>;
}

/** One handler per kind of the task map, each given its kind's payload. */
export type TaskHandlers<Tasks extends TaskMap, Tx> = { [K in KindOf<Tasks>]: JobHandler<Job<Tasks, K>, Tx> };

/**
 * Slots of their own for some kinds of job, so that one sort of work (callbacks to slow
 * receivers) cannot hold the slots another needs (the operator's changes, timers). With
 * `perKeyLimit`, at most that many of the group's jobs per fairness key (NewJob.fairKey) run at
 * once: leases count every worker's, a worker's own claims count its own.
 */
export interface SlotGroup {
  name: string;
  kinds: readonly string[];
  concurrency: number;
  perKeyLimit?: number;
}

export interface RunnerSettings {
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  /** Jobs run at once when there are no slot groups; a clock move's batch size. */
  concurrency: number;
  /** When set, every kind belongs to exactly one group, and the worker fills each group's slots. */
  groups?: readonly SlotGroup[];
}

/** How a run ended, for metrics: done (or parked), to be retried, dead, or taken over by another worker. */
export type RunOutcome = 'done' | 'retry' | 'dead' | 'lost';

/** Hears of every run of a job: its kind, how it ended and how long it took. */
export type RunObserver = (kind: string, outcome: RunOutcome, seconds: number) => void;

/** Another worker took the job over (our lease expired); its outcome is theirs to record. */
export class LostLease extends Error {
  constructor(id: number) {
    super(`lost the lease on job ${id}`);
    this.name = 'LostLease';
  }
}

/**
 * Leases and outcomes are re-done from the queue if a database crash loses them (a lost lease
 * is leased again; a lost outcome runs its job again, at least once as ever), so their commits
 * need not wait for the disk. The request that wrote the job waited for it. A job's outcome is
 * keyed by its queue, so two steps of one queue never run in one grouped transaction; one
 * lease at a time, as two in one transaction could take the same jobs.
 */
const LEASE: EngineTransactionOptions = { replayable: { key: 'lease' } };
const outcomeOf = (job: { id: number; queue: string | null }): EngineTransactionOptions => ({ replayable: { key: job.queue ?? `job ${job.id}` } });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const describe = (error: unknown) => (error instanceof Error ? error.message || error.name : String(error));

/** Exponential backoff: base, 2×base, 4×base… up to max. */
export function backoffMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
}

/**
 * The backoff with jitter: somewhere from half of it to all of it, so that jobs that failed
 * together (a receiver that was down, a database restart) do not all come back at once.
 */
export function jitteredBackoffMs(attempt: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const full = backoffMs(attempt, baseMs, maxMs);
  return Math.max(1, Math.round(full / 2 + random() * (full / 2)));
}

/**
 * Leases jobs from the queue and runs them. Used by the background worker and, synchronously,
 * by whoever must see due work done now (an emulated clock's move); both share this process's
 * lease owner and its lease heartbeat. `Tx` is the store's transaction handle, handed to the
 * handlers as it is.
 */
export class JobRunner<Tasks extends TaskMap, Tx extends { jobs: Jobs<Tasks> }> {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly inflight = new Set<Promise<void>>();
  /** The jobs in hand: the heartbeat renews only these leases. */
  private readonly inHand = new Set<number>();
  private readonly activeByKind = new Map<string, number>();
  private readonly activeByFairKey = new Map<string, number>();
  private heartbeat: NodeJS.Timeout | null = null;
  /** The kinds this runner has a handler for: the only ones it leases. */
  readonly kinds: readonly string[];

  constructor(
    private readonly store: EngineStore<Tasks, Tx> & Tx,
    private readonly clock: EngineClock,
    private readonly handlers: TaskHandlers<Tasks, Tx>,
    readonly settings: RunnerSettings,
    private readonly log: EngineLog,
    private readonly observe: RunObserver = () => {},
  ) {
    this.kinds = Object.keys(handlers);
    if (settings.groups) {
      for (const kind of this.kinds) {
        const n = settings.groups.filter((group) => group.kinds.includes(kind)).length;
        if (n !== 1) throw new Error(`job kind ${kind} must be in exactly one slot group (it is in ${n})`);
      }
    }
  }

  get active(): number {
    return this.inflight.size;
  }

  /** Jobs of these kinds this process is running. */
  activeOf(kinds: readonly string[]): number {
    let n = 0;
    for (const kind of kinds) n += this.activeByKind.get(kind) ?? 0;
    return n;
  }

  /** The slot group of a kind, if there are groups. */
  groupOf(kind: string): SlotGroup | undefined {
    return this.settings.groups?.find((group) => group.kinds.includes(kind));
  }

  /** Keeps this process's leases alive while it runs jobs, however long they take. */
  startHeartbeat(): void {
    if (this.heartbeat) return;
    const every = Math.max(50, Math.floor(this.settings.leaseMs / 3));
    this.heartbeat = setInterval(() => {
      if (this.inHand.size === 0) return;
      this.store.jobs.extendLeases(this.owner, [...this.inHand], Date.now() + this.settings.leaseMs).catch((error: unknown) => {
        this.log.warn({ err: error }, 'could not extend job leases');
      });
    }, every);
    this.heartbeat.unref();
  }

  stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
  }

  /**
   * Leases up to `limit` jobs of any kind it has a handler for, due by `dueBy` (engine time), and
   * those caused since `causedSince`.
   */
  lease(limit: number, dueBy = this.clock.now(), causedSince?: number): Promise<AnyJob<Tasks>[]> {
    return this.leaseSlots([{ kinds: this.kinds, limit }], dueBy, causedSince);
  }

  /** Leases due jobs for several slot groups' free slots in one lease, each from its own kinds. */
  async leaseSlots(slots: readonly LeaseSlots[], dueBy = this.clock.now(), causedSince?: number): Promise<AnyJob<Tasks>[]> {
    return (await this.leaseOrContend(slots, dueBy, causedSince)).jobs;
  }

  /** As leaseSlots, and whether another transaction held the lease lock (so try again soon). */
  leaseOrContend(slots: readonly LeaseSlots[], dueBy = this.clock.now(), causedSince?: number): Promise<LeaseResult<Tasks>> {
    if (!slots.some((s) => s.limit > 0)) return Promise.resolve({ jobs: [], contended: false });
    // One transaction: the jobs chosen are marked running before any other lease can choose them.
    return this.store.transaction(
      (tx) => tx.jobs.lease({ owner: this.owner, dueBy, realNow: Date.now(), leaseMs: this.settings.leaseMs, now: this.clock.now(), causedSince, slots }),
      LEASE,
    );
  }

  /** Runs one leased job and records its outcome; never throws. */
  run(job: AnyJob<Tasks>): Promise<void> {
    this.inHand.add(job.id);
    this.hold(job, 1);
    const running = this.execute(job).finally(() => {
      this.inflight.delete(running);
      this.inHand.delete(job.id);
      this.hold(job, -1);
    });
    this.inflight.add(running);
    return running;
  }

  /** Whether a job caused to run at once has a free slot of its group in this process. */
  private hasSlot(job: { kind: string }): boolean {
    const group = this.groupOf(job.kind);
    return !group || this.activeOf(group.kinds) < group.concurrency;
  }

  /** The per-key limit a job is under: its group's, if it has one and the job a fairness key. */
  private limitOf(job: { kind: string; fairKey?: string | null }): { kinds: readonly string[]; limit: number; fairKey: string } | undefined {
    const group = this.groupOf(job.kind);
    if (!group || group.perKeyLimit === undefined || job.fairKey == null) return undefined;
    return { kinds: group.kinds, limit: group.perKeyLimit, fairKey: job.fairKey };
  }

  /** Resolves when every job this process is running has finished. */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * Runs every job due by now, and the jobs they cause to run at once, and waits for due jobs
   * other workers are running. Retries that fall due meanwhile wait for the worker, so this
   * ends. Returns how many jobs it ran.
   */
  async runDue(timeoutMs: number): Promise<{ ran: number; finished: boolean }> {
    const dueBy = this.clock.now();
    const deadline = Date.now() + timeoutMs;
    let ran = 0;
    while (Date.now() < deadline) {
      const jobs = await this.lease(this.settings.concurrency, dueBy, dueBy);
      if (jobs.length > 0) {
        await Promise.all(jobs.map((job) => this.run(job)));
        ran += jobs.length;
        continue;
      }
      const due = await this.store.jobs.countDue(dueBy, dueBy);
      if (due.pending === 0 && due.running === 0) return { ran, finished: true };
      await sleep(5);
    }
    return { ran, finished: false };
  }

  private handlerOf(job: AnyJob<Tasks>): JobHandler<AnyJob<Tasks>, Tx> | undefined {
    return (this.handlers as Record<string, JobHandler<AnyJob<Tasks>, Tx> | undefined>)[job.kind];
  }

  private async execute(job: AnyJob<Tasks>): Promise<void> {
    const handler = this.handlerOf(job);
    const started = performance.now();
    let outcome: RunOutcome = 'done';
    try {
      if (!handler) throw new Error(`no handler for job kind ${job.kind}`);
      const ctx: JobContext<Tx> = { store: this.store, clock: this.clock, settle: (work) => this.settle(job, work) };
      await handler.run(job, ctx);
    } catch (error) {
      if (error instanceof LostLease) {
        outcome = 'lost';
        return;
      }
      outcome = job.attempts < (handler?.maxAttempts ?? this.settings.maxAttempts) ? 'retry' : 'dead';
      await this.fail(job, handler, error).catch((failure: unknown) => {
        this.log.error({ job: job.id, kind: job.kind, err: failure }, 'could not record a job failure; its lease will expire and it will run again');
      });
    } finally {
      this.observe(job.kind, outcome, (performance.now() - started) / 1000);
    }
  }

  private async settle(job: AnyJob<Tasks>, work?: (tx: Tx, now: number) => Promise<Settlement | void>): Promise<void> {
    // Jobs claimed by the transaction hold their slots from the moment they are claimed, so that
    // transactions committing side by side cannot claim more than the slots.
    const claimed: AnyJob<Tasks>[] = [];
    const release = () => {
      for (const next of claimed.splice(0)) this.hold(next, -1);
    };
    try {
      await this.store.transaction(async (tx) => {
        // A grouped transaction that rolls back runs its members again (store/tuning/pg-group-commit.ts).
        release();
        const now = this.clock.now();
        const settlement = (await work?.(this.claiming(tx, claimed), now)) ?? { state: 'done' };
        const ok =
          settlement.state === 'done'
            ? await tx.jobs.finish(job.id, this.owner, 'done', now)
            : settlement.state === 'pending'
              ? await tx.jobs.reschedule(job.id, this.owner, { runAt: settlement.runAt, now, error: null, refundAttempt: settlement.refundAttempt })
              : await tx.jobs.park(job.id, this.owner, settlement.state, now);
        if (!ok) throw new LostLease(job.id);
      }, outcomeOf(job));
    } catch (error) {
      release();
      throw error;
    }
    for (const next of claimed) {
      this.hold(next, -1);
      void this.run(next);
    }
  }

  /** Counts a job against its kind's and its fairness key's slots in this process (or stops counting it). */
  private hold(job: { kind: string; fairKey: string | null }, by: 1 | -1): void {
    for (const [map, key] of [
      [this.activeByKind, job.kind],
      [this.activeByFairKey, job.fairKey],
    ] as const) {
      if (key === null) continue;
      const n = (map.get(key) ?? 0) + by;
      if (n > 0) map.set(key, n);
      else map.delete(key);
    }
  }

  /**
   * The transaction's handle, except that a job it causes to run at once (a callback, a next
   * step) is written already leased to this worker, which runs it as soon as the transaction
   * commits: no lease round trip between the steps of one piece of work. At most one per
   * queue, so each queue's work stays in order, and only within the slots of the job's group;
   * if this process dies, the lease expires and another worker takes the job over.
   */
  private claiming(tx: Tx, claimed: AnyJob<Tasks>[]): Tx {
    const claimedQueues = new Set<string | null>();
    const enqueue: Jobs<Tasks>['enqueue'] = async (job, now) => {
      if (job.runAt > now || job.key || claimedQueues.has(job.queue) || !this.hasSlot(job)) return tx.jobs.enqueue(job, now);
      if (job.queue !== null) claimedQueues.add(job.queue);
      const leaseExpires = Date.now() + this.settings.leaseMs;
      const claim = { owner: this.owner, leaseExpires };
      const limited = this.limitOf(job);
      let id: number;
      if (limited) {
        // Counted across workers as it is written: a key at its limit leaves the job to a lease.
        const written = await tx.jobs.enqueueClaimedWithin({ ...job, fairKey: limited.fairKey }, now, claim, { kinds: limited.kinds, limit: limited.limit, realNow: Date.now() });
        if (!written.claimed) return written.id;
        id = written.id;
      } else {
        id = await tx.jobs.enqueueClaimed(job, now, claim);
      }
      const stored = { id, ...job, key: null, fairKey: job.fairKey ?? null, payload: job.payload ?? null, state: 'running', attempts: 1, leaseOwner: this.owner, leaseExpires, lastError: null, dateCreated: now, dateUpdated: now };
      this.hold(stored, 1);
      claimed.push(stored as AnyJob<Tasks>);
      return id;
    };
    return { ...tx, jobs: { ...tx.jobs, enqueue } };
  }

  private async fail(job: AnyJob<Tasks>, handler: JobHandler<AnyJob<Tasks>, Tx> | undefined, error: unknown): Promise<void> {
    const message = describe(error);
    const maxAttempts = handler?.maxAttempts ?? this.settings.maxAttempts;
    if (job.attempts < maxAttempts) {
      this.log.warn({ job: job.id, kind: job.kind, attempt: job.attempts, err: error }, 'job failed; it will be retried');
      await this.store.transaction(async (tx) => {
        const now = this.clock.now();
        const nextRunAt = now + jitteredBackoffMs(job.attempts, this.settings.backoffBaseMs, this.settings.backoffMaxMs);
        if (!(await tx.jobs.reschedule(job.id, this.owner, { runAt: nextRunAt, now, error: message, refundAttempt: false }))) return;
        await handler?.onRetry?.(tx, job, error, nextRunAt, now);
      }, outcomeOf(job));
      return;
    }
    this.log.error({ job: job.id, kind: job.kind, attempts: job.attempts, err: error }, 'job failed for the last time; it is dead');
    try {
      await this.store.transaction(async (tx) => {
        const now = this.clock.now();
        if (!(await tx.jobs.finish(job.id, this.owner, 'dead', now, message))) return;
        await handler?.onDead?.(tx, job, error, now);
      }, outcomeOf(job));
    } catch (deadError) {
      const recorded = `${message}; undo failed: ${describe(deadError)}`;
      if (handler?.onUndoFailed) {
        try {
          await this.store.transaction(async (tx) => {
            const now = this.clock.now();
            if (!(await tx.jobs.finish(job.id, this.owner, 'dead', now, recorded))) return;
            await handler.onUndoFailed?.(tx, job, deadError, now);
          }, outcomeOf(job));
          this.log.error({ job: job.id, err: deadError }, 'the dead job could not be undone; its simpler undo ran instead');
          return;
        } catch (fallbackError) {
          this.log.error({ job: job.id, err: fallbackError }, 'the simpler undo of a dead job failed too');
        }
      }
      // Even when undoing fails, the job must end rather than fail forever.
      this.log.error({ job: job.id, err: deadError }, 'the dead job could not be undone; marking it dead as it is');
      await this.store.jobs.finish(job.id, this.owner, 'dead', this.clock.now(), recorded);
    }
  }
}
