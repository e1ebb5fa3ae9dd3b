import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Transactions that share one commit at the most; bounds how long the last of them waits. */
const MAX_GROUP = 32;

/** Groups running at once, each on a pooled connection of its own. */
const MAX_IN_FLIGHT = 4;

interface Pending<T> {
  work: (trx: Kysely<Database>) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

type Begin = <T>(work: (trx: Kysely<Database>) => Promise<T>) => Promise<T>;

/**
 * Group commit for the job engine's transactions on PostgreSQL (docs/performance.md). Each of
 * them is a handful of short statements, and its `begin` and `commit` are round trips of their
 * own; those asked for in the same turn of the event loop run one after another in one
 * transaction and share them. The group has no savepoints, which would cost two round trips
 * each: if any member fails, the whole group rolls back and every member runs again alone, so
 * only the failing one fails. A member's work may therefore run twice; only its database
 * effects count, once.
 */
export class PostgresGroupCommit {
  private queue: Pending<unknown>[] = [];
  private running = 0;
  private scheduled = false;

  constructor(private readonly begin: Begin) {}

  run<T>(work: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject } as Pending<unknown>);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.running >= MAX_IN_FLIGHT || this.queue.length === 0) return;
    this.scheduled = true;
    // After the poll phase, so that the outcomes of every answer read in this turn join.
    setImmediate(() => this.dispatch());
  }

  private dispatch(): void {
    this.scheduled = false;
    while (this.running < MAX_IN_FLIGHT && this.queue.length > 0) {
      const group = this.queue.splice(0, MAX_GROUP);
      this.running++;
      void this.runGroup(group).finally(() => {
        this.running--;
        this.schedule();
      });
    }
  }

  private async runGroup(group: Pending<unknown>[]): Promise<void> {
    if (group.length > 1) {
      let values: unknown[];
      try {
        values = await this.begin(async (trx) => {
          const results: unknown[] = [];
          for (const item of group) results.push(await item.work(trx));
          return results;
        });
      } catch {
        // Rolled back as a whole: each runs again alone, below.
        values = [];
      }
      if (values.length === group.length) {
        group.forEach((item, i) => item.resolve(values[i]));
        return;
      }
    }
    await Promise.all(group.map((item) => this.begin(item.work).then(item.resolve, item.reject)));
  }
}
