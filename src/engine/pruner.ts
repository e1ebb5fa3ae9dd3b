import type { EngineClock, EngineLog } from './types.js';

/** Rows one statement deletes at most: short transactions, so the queue's work never waits long. */
const BATCH = 1000;
/** How long one round may keep deleting before it leaves the rest to the next round. */
const ROUND_MS = 2_000;
const EVERY_MS = 60_000;

/** Something that outlives its retention: `prune` deletes up to `limit` rows older than `before`. */
export interface PruneTarget {
  name: string;
  /** A retention of its own (0: kept forever); the pruner's when absent. */
  retentionMs?: number;
  prune(before: number, limit: number): Promise<number>;
}

/**
 * Retention: every minute, what is older than its retention (`retentionMs`, or a target's own)
 * is deleted (finished jobs, and whatever else the owner names), in short batches, so tables stay the size of the work in hand
 * rather than of all the work ever done. Ages are in engine time, like the rows' own dates.
 */
export class Pruner {
  private timer: NodeJS.Timeout | null = null;
  private round: Promise<unknown> | null = null;

  constructor(
    private readonly targets: readonly PruneTarget[],
    private readonly clock: EngineClock,
    private readonly retentionMs: number,
    private readonly log: EngineLog,
  ) {}

  start(): void {
    if (this.timer || this.targets.every((target) => this.retentionOf(target) === 0)) return;
    this.timer = setInterval(() => {
      if (this.round) return;
      this.round = this.prune()
        .catch((error: unknown) => this.log.warn({ err: error }, 'pruning finished work failed; trying again later'))
        .finally(() => (this.round = null));
    }, EVERY_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.round;
  }

  /** Deletes what has outlived the retention, for at most ROUND_MS; returns how many rows went, by target. */
  async prune(): Promise<Record<string, number>> {
    const deleted: Record<string, number> = Object.fromEntries(this.targets.map((t) => [t.name, 0]));
    const now = this.clock.now();
    const until = Date.now() + ROUND_MS;
    for (const target of this.targets) {
      const retentionMs = this.retentionOf(target);
      if (retentionMs === 0) continue;
      const before = now - retentionMs;
      let n: number;
      do {
        n = await target.prune(before, BATCH);
        deleted[target.name] += n;
      } while (n === BATCH && Date.now() < until);
    }
    return deleted;
  }

  private retentionOf(target: PruneTarget): number {
    return target.retentionMs ?? this.retentionMs;
  }
}
