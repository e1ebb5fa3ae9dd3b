import type { Store } from '../store/store.js';
import type { Clock } from '../domain/clock.js';
import type { RunnerLog } from './runner.js';

/** Rows one statement deletes at most: short transactions, so the queue's work never waits long. */
const BATCH = 1000;
/** How long one round may keep deleting before it leaves the rest to the next round. */
const ROUND_MS = 2_000;
const EVERY_MS = 60_000;

/**
 * Retention: finished jobs (done, canceled) and delivered callbacks older than
 * WISP_JOB_RETENTION_HOURS are deleted, so the outbox stays the size of the work in hand rather
 * than of all the work ever done. Dead jobs and undelivered callbacks stay until someone acts on
 * them. Ages are in emulated time, like the rows' own dates.
 */
export class Pruner {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<unknown> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly retentionMs: number,
    private readonly log: RunnerLog,
  ) {}

  start(): void {
    if (this.timer || this.retentionMs === 0) return;
    this.timer = setInterval(() => {
      if (this.round) return;
      this.round = this.prune()
        .catch((error: unknown) => this.log.warn({ err: error instanceof Error ? error.message : String(error) }, 'pruning finished jobs failed; trying again later'))
        .finally(() => (this.round = null));
    }, EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
  }

  /** Deletes what has outlived the retention, for at most ROUND_MS; returns how many rows went. */
  async prune(): Promise<{ jobs: number; callbacks: number }> {
    const deleted = { jobs: 0, callbacks: 0 };
    if (this.retentionMs === 0) return deleted;
    const before = this.clock.now() - this.retentionMs;
    const until = Date.now() + ROUND_MS;
    for (const [kind, prune] of [
      ['jobs', () => this.store.jobs.pruneFinished(before, BATCH)],
      ['callbacks', () => this.store.callbacks.pruneDelivered(before, BATCH)],
    ] as const) {
      let n: number;
      do {
        n = await prune();
        deleted[kind] += n;
      } while (n === BATCH && Date.now() < until);
    }
    return deleted;
  }
}
