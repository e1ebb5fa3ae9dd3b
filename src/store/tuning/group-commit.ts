import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../schema.js';
import { isNoTransaction } from './sqlite-immediate.js';

/** Transactions that share one commit at the most; bounds how long the last of them waits. */
const MAX_GROUP = 64;

interface Pending<T> {
  work: (trx: Transaction<Database>) => Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite. One process runs one SQLite transaction at a time, and a commit (the
 * WAL pages it writes) cost more than the statements of a typical transaction. Transactions
 * that arrive while one runs wait anyway; they then run together in one database transaction,
 * each inside a savepoint of its own, and share one commit. Each caller's result is given once
 * that commit is done; one whose work fails is rolled back to its savepoint alone and gets its
 * error, and if the commit itself fails every caller in the group gets that error. A transaction
 * that arrives when none is running starts on the next turn of the event loop.
 */
export class GroupCommit {
  private readonly queue: Pending<unknown>[] = [];
  private draining = false;

  constructor(private readonly db: Kysely<Database>) {}

  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve, reject } as Pending<unknown>);
      if (this.draining) return;
      // better-sqlite3 is synchronous: a transaction runs from start to end without yielding, so
      // none would ever overlap another. Starting on the next turn of the event loop lets every
      // transaction asked for in this turn (requests and job outcomes that arrived together) join.
      this.draining = true;
      setImmediate(() => void this.drain());
    });
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.runGroup(this.queue.splice(0, MAX_GROUP));
    } finally {
      this.draining = false;
    }
  }

  private async runGroup(group: Pending<unknown>[]): Promise<void> {
    if (group.length === 1) {
      const [only] = group;
      await this.db.transaction().execute(only.work).then(only.resolve, only.reject);
      return;
    }
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    try {
      await this.db.transaction().execute(async (trx) => {
        for (const item of group) {
          await sql`savepoint grouped`.execute(trx);
          try {
            outcomes.push({ ok: true, value: await item.work(trx) });
            await sql`release grouped`.execute(trx);
          } catch (error) {
            try {
              await sql`rollback to grouped`.execute(trx);
              await sql`release grouped`.execute(trx);
            } catch (rollbackError) {
              // SQLite ended the whole transaction (a full disk): the group fails with the cause.
              throw isNoTransaction(rollbackError) ? error : rollbackError;
            }
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, i) => {
      const outcome = outcomes[i];
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
