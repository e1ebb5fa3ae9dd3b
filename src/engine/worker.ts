import type { EngineLog } from './types.js';
import type { SlotGroup } from './runner.js';
import type { LeaseSlots } from './ports.js';

/**
 * Leases are at least this far apart. Under a stream of changes every request and every ended
 * job pokes the worker, and a lease per poke (a transaction of its own) cost more than the jobs
 * it found; gathering a few milliseconds of them into one lease is far cheaper, and at low load
 * the first poke still leases at once.
 */
const LEASE_GAP_MS = 5;

export interface WorkerSettings {
  pollMs: number;
  concurrency: number;
}

/**
 * The background loop: keeps up to `concurrency` jobs running, leasing more whenever one ends,
 * when work is committed in this process (`poke`), or every `pollMs`.
 */
/** What the loop drives (a JobRunner): it knows nothing of what the jobs it leases mean. */
export interface WorkSource<J extends { kind: string }> {
  readonly active: number;
  /** The slot groups, when the kinds are split into groups (RunnerSettings.groups). */
  readonly settings: { groups?: readonly SlotGroup[] };
  /** The kinds it runs. */
  readonly kinds: readonly string[];
  activeOf(kinds: readonly string[]): number;
  /** One lease for several slot groups' free slots, and whether another held the lease lock. */
  leaseOrContend(slots: readonly LeaseSlots[]): Promise<{ jobs: J[]; contended: boolean }>;
  run(job: J): Promise<void>;
  idle(): Promise<void>;
  startHeartbeat(): void;
  stopHeartbeat(): void;
}

export class Worker<J extends { kind: string }> {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private poked = false;
  private lastLease = 0;

  constructor(
    private readonly runner: WorkSource<J>,
    private readonly settings: WorkerSettings,
    private readonly log: EngineLog,
    private readonly beforeLease: () => Promise<void> = async () => {},
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.runner.startHeartbeat();
    this.loop = this.run();
  }

  /** Looks for due jobs now rather than at the next poll. */
  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  /** Stops leasing and waits for the jobs in hand to finish (their outcomes are recorded). */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.poke();
    await this.loop;
    await this.runner.idle();
    this.runner.stopHeartbeat();
  }

  /**
   * Leases as many jobs as there are free slots: the worker's, or each slot group's from its own
   * kinds. True when a lease filled every slot it asked for, so more may be waiting, or when
   * another transaction held the lease lock.
   */
  private async fill(): Promise<boolean> {
    const groups = this.runner.settings.groups;
    const start = (jobs: J[]) => {
      for (const job of jobs) void this.runner.run(job).finally(() => this.poke());
    };
    if (!groups) {
      const free = this.settings.concurrency - this.runner.active;
      const { jobs, contended } = await this.runner.leaseOrContend([{ kinds: this.runner.kinds, limit: free }]);
      start(jobs);
      return contended || (jobs.length > 0 && jobs.length === free && this.runner.active < this.settings.concurrency);
    }
    const wanted = groups.map((group) => ({ group, free: group.concurrency - this.runner.activeOf(group.kinds) })).filter((g) => g.free > 0);
    if (wanted.length === 0) return false;
    const { jobs, contended } = await this.runner.leaseOrContend(wanted.map(({ group, free }) => ({ kinds: group.kinds, limit: free, perKeyLimit: group.perKeyLimit })));
    start(jobs);
    // More may be waiting for a group that took all it asked for, or behind a lock another held.
    return contended || wanted.some(({ group, free }) => jobs.filter((job) => group.kinds.includes(job.kind)).length === free);
  }

  private async run(): Promise<void> {
    while (this.running) {
      let full = false;
      const gap = this.lastLease + LEASE_GAP_MS - Date.now();
      if (gap > 0) await new Promise((resolve) => setTimeout(resolve, gap));
      this.lastLease = Date.now();
      try {
        await this.beforeLease();
        full = await this.fill();
      } catch (error) {
        this.log.warn({ err: error }, 'leasing jobs failed; trying again shortly');
      }
      if (!this.running) break;
      if (full) continue;
      if (this.poked) {
        this.poked = false;
        continue;
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, this.settings.pollMs);
        function done() {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = null;
      this.poked = false;
    }
  }
}
