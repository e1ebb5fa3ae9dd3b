import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Driver,
} from 'kysely';
import type { Database } from '../schema.js';

/** Transactions that share one commit at the most; bounds how long the last of them waits. */
const MAX_GROUP = 64;

/** Groups running at once, each on a pooled connection of its own. */
const MAX_IN_FLIGHT = 3;

// A crash of the database server (not of Wisp) may lose the last few hundred milliseconds of
// these commits, which the outbox then runs again (EngineTransactionOptions.replayable in src/engine/ports.ts).
const BEGIN = CompiledQuery.raw('begin; set local synchronous_commit = off');
const COMMIT = CompiledQuery.raw('commit');
const ROLLBACK = CompiledQuery.raw('rollback');

interface Pending<T> {
  work: (db: Kysely<Database>) => Promise<T>;
  key: string;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the job engine's transactions on PostgreSQL (docs/performance.md). Each of
 * them is a handful of short statements, and every statement is a round trip. Those asked for
 * in the same turn of the event loop run side by side in one transaction on one connection in
 * pipeline mode: the statements they issue together go out together, and the group shares one
 * `begin` and one `commit`. Two with the same key (a Sim's SID) never run at the same time,
 * in one group or in two, so each Sim's steps stay in order and never see each other half done.
 *
 * There are no savepoints, which would cost round trips of their own: if any member fails, the
 * whole group rolls back and each member runs again alone, so only the failing one fails. A
 * member's work may therefore run twice; only its database effects count, once.
 */
export class PostgresGroupCommit {
  private queue: Pending<unknown>[] = [];
  private readonly busy = new Set<string>();
  private running = 0;
  private scheduled = false;
  private initialized: Promise<void> | null = null;

  /** `driver` hands out pooled connections whose clients pipeline their queries. */
  constructor(private readonly driver: Driver) {}

  run<T>(work: (db: Kysely<Database>) => Promise<T>, key: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, key, resolve, reject } as Pending<unknown>);
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
    while (this.running < MAX_IN_FLIGHT) {
      const group = this.take();
      if (group.length === 0) return;
      this.running++;
      void this.runGroup(group).finally(() => {
        for (const item of group) this.busy.delete(item.key);
        this.running--;
        this.schedule();
      });
    }
  }

  /** The next group: queued transactions whose key no running transaction holds, oldest first. */
  private take(): Pending<unknown>[] {
    const group: Pending<unknown>[] = [];
    const left: Pending<unknown>[] = [];
    for (const item of this.queue) {
      if (group.length < MAX_GROUP && !this.busy.has(item.key)) {
        this.busy.add(item.key);
        group.push(item);
      } else {
        left.push(item);
      }
    }
    this.queue = left;
    return group;
  }

  private async runGroup(group: Pending<unknown>[]): Promise<void> {
    let connection: DatabaseConnection;
    try {
      this.initialized ??= this.driver.init();
      await this.initialized;
      connection = await this.driver.acquireConnection();
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    try {
      if (group.length > 1) {
        const values = await together(connection, group).catch(() => undefined);
        if (values) {
          group.forEach((item, i) => item.resolve(values[i]));
          return;
        }
      }
      for (const item of group) await together(connection, [item]).then(([value]) => item.resolve(value), item.reject);
    } finally {
      await this.driver.releaseConnection(connection);
    }
  }
}

/** Runs `group` in one transaction on `connection`, side by side; commits only if all succeed. */
async function together(connection: DatabaseConnection, group: Pending<unknown>[]): Promise<unknown[]> {
  await connection.executeQuery(BEGIN);
  try {
    const db = onConnection(connection);
    const results = await Promise.allSettled(group.map((item) => item.work(db)));
    const failed = results.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;
    await connection.executeQuery(COMMIT);
    return results.map((result) => (result as PromiseFulfilledResult<unknown>).value);
  } catch (error) {
    // A broken connection cannot roll back; the server ends its transaction when it closes.
    await connection.executeQuery(ROLLBACK).catch(() => undefined);
    throw error;
  }
}

/**
 * A Kysely handle whose every query goes straight to `connection`. Kysely's own handle on one
 * connection (a transaction's) queues each query until the one before is answered, which would
 * undo the pipelining.
 */
function onConnection(connection: DatabaseConnection): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new PinnedDriver(connection),
      createIntrospector: (db) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

/** Hands out one connection that is already in a transaction, which the group ends. */
class PinnedDriver implements Driver {
  constructor(private readonly connection: DatabaseConnection) {}
  async init(): Promise<void> {}
  async acquireConnection(): Promise<DatabaseConnection> {
    return this.connection;
  }
  async beginTransaction(): Promise<void> {
    throw new Error('a grouped transaction cannot begin another');
  }
  async commitTransaction(): Promise<void> {
    throw new Error('a grouped transaction is committed by its group');
  }
  async rollbackTransaction(): Promise<void> {
    throw new Error('a grouped transaction is rolled back by its group');
  }
  async releaseConnection(): Promise<void> {}
  async destroy(): Promise<void> {}
}
