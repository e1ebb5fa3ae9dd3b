import type { SharedClock } from './clock.js';
import type { Repos, SnapshotMeta } from './ports.js';
import { invalid, notFound } from './errors.js';

// Isolated, repeatable state for tests: a reset to an empty database, and named snapshots of
// everything (SIMs, jobs, callbacks, the emulated clock, the network settings) to go back to.

/** The background work of this process, stopped while the state is replaced under it. */
export interface WorkControl {
  /** Stops taking jobs and waits for those in hand to finish. */
  pause(): Promise<void>;
  resume(): void;
}

const SNAPSHOT_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function checkSnapshotName(name: unknown): string {
  if (typeof name !== 'string' || !SNAPSHOT_NAME.test(name)) {
    throw invalid('name must be 1 to 64 letters, digits, dots, dashes or underscores, starting with a letter or digit');
  }
  return name;
}

export class StateService {
  /** Resets and restores run one at a time. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: Repos<'state' | 'network'>,
    private readonly clock: SharedClock,
    private readonly masterSid: () => string,
    private readonly initialLatencyMs: number,
    private readonly work: WorkControl,
  ) {}

  /** Back to an empty database with the master account (credentials kept), the clock at real time and the network at its defaults. */
  reset(): Promise<void> {
    return this.exclusive(async () => {
      await this.store.transaction(async (tx) => {
        await tx.state.clear(this.masterSid());
        await tx.network.ensure({ available: true, latency_ms: this.initialLatencyMs, failure_rate: 0, date_updated: Date.now() });
      });
    });
  }

  async save(name: string): Promise<SnapshotMeta> {
    checkSnapshotName(name);
    await this.clock.refresh(true);
    // One transaction: a consistent copy even while jobs run.
    return this.store.transaction((tx) => tx.state.saveSnapshot(name, Date.now(), this.clock.now()));
  }

  list(): Promise<SnapshotMeta[]> {
    return this.store.state.listSnapshots();
  }

  restore(name: string): Promise<SnapshotMeta> {
    checkSnapshotName(name);
    return this.exclusive(async () => {
      const restored = await this.store.transaction((tx) => tx.state.restoreSnapshot(name));
      if (!restored) throw notFound(`Snapshot ${name} was not found`);
      return restored;
    });
  }

  async delete(name: string): Promise<void> {
    checkSnapshotName(name);
    if (!(await this.store.state.deleteSnapshot(name))) throw notFound(`Snapshot ${name} was not found`);
  }

  /**
   * Replaces the state with the jobs of this process stopped: the jobs in hand finish first, so
   * none writes into the state that replaces the one it started in. Then the clock is read back
   * as stored (it may go back) and the work resumes.
   */
  private exclusive<T>(replace: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      await this.work.pause();
      try {
        return await replace();
      } finally {
        await this.clock.reload();
        this.work.resume();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }
}
