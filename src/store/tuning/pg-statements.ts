import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import { isConnectionLost } from '../faults.js';

// node-postgres as Kysely's PostgreSQL driver sees it, with the queries Wisp runs over and over
// sent as named prepared statements: PostgreSQL parses and plans each once per connection
// instead of on every call, which halves its CPU time for a fetch by SID (docs/performance.md).

/** Statements with more parameters vary in shape (bulk inserts, long IN lists); they stay unnamed. */
const MAX_PARAMETERS = 64;
const PREPARABLE = /^\s*(select|insert|update|delete|with)\b/i;

/** Raised when a statement's plan no longer fits its tables: another process changed the schema. */
const isStalePlan = (error: unknown) =>
  (error as { code?: string } | null)?.code === '0A000' && /cached plan must not change result type/.test(String((error as Error).message));

const names = new Map<string, string>();

function nameFor(sql: string, parameters: ReadonlyArray<unknown>): string | undefined {
  if (parameters.length > MAX_PARAMETERS || !PREPARABLE.test(sql)) return undefined;
  let name = names.get(sql);
  if (name === undefined) {
    name = 'w' + createHash('sha1').update(sql).digest('hex').slice(0, 20);
    if (names.size < 10_000) names.set(sql, name);
  }
  return name;
}

/** A plain read outside a transaction: running it again on another connection changes nothing. */
const IDEMPOTENT_READ = /^\s*select\b(?![\s\S]*\bfor\s+(update|share|no\s+key\s+update|key\s+share)\b)/i;
const BEGINS = /^\s*begin\b/i;
const ENDS = /^\s*(commit|rollback)\b/i;

interface RetryConnection {
  query(sql: string, parameters: ReadonlyArray<unknown>): Promise<unknown>;
  release(destroy: boolean): void;
}
type Checkout = () => Promise<RetryConnection>;

function preparingClient(client: pg.PoolClient, checkout: Checkout, onError: (error: Error) => void): PostgresPoolClient {
  // A connection whose prepared statements went stale, or that failed, is closed rather than reused.
  let stale = false;
  let broken = false;
  let inTransaction = false;
  // A checked-out client has no listener of the pool's: without this one, a connection the
  // server ends between two statements (pg_terminate_backend, a restart) would crash the process.
  client.on('error', (error) => {
    broken = true;
    onError(error);
  });
  const query = async <R>(sql: string, parameters: ReadonlyArray<unknown>, retry: boolean): Promise<PostgresQueryResult<R>> => {
    const name = nameFor(sql, parameters);
    const opened = !inTransaction && BEGINS.test(sql);
    if (opened) inTransaction = true;
    else if (ENDS.test(sql)) inTransaction = false;
    try {
      return (await client.query({ name, text: sql, values: parameters as unknown[] })) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      if (name && isStalePlan(error)) stale = true;
      if (!isConnectionLost(error)) throw error;
      broken = true;
      // An idempotent read outside a transaction is tried once more, on another connection.
      if (!retry || opened || inTransaction || !IDEMPOTENT_READ.test(sql)) throw error;
      const fresh = await checkout();
      let ok = false;
      try {
        const result = (await fresh.query(sql, parameters)) as PostgresQueryResult<R>;
        ok = true;
        return result;
      } finally {
        fresh.release(!ok);
      }
    }
  };
  return {
    query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) =>
      typeof sqlOrCursor === 'string' ? query(sqlOrCursor, parameters ?? [], true) : client.query(sqlOrCursor as never)) as PostgresPoolClient['query'],
    release: (destroy?: boolean) => {
      inTransaction = false;
      client.release(destroy || stale || broken);
    },
  };
}

/**
 * The pool as Kysely sees it. `onClientError` hears of connections that failed while checked
 * out (their statements fail, the process goes on, the connection is replaced).
 */
export function withPreparedStatements(pool: pg.Pool, onClientError: (error: Error) => void = () => {}): PostgresPool {
  // One wrapper per connection, made when it is first checked out rather than on every query.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient) => {
    let wrapper = wrappers.get(client);
    if (!wrapper) wrappers.set(client, (wrapper = preparingClient(client, checkoutOnce, onClientError)));
    return wrapper;
  };
  // The connection a retried read runs on: it is not retried again.
  const checkoutOnce: Checkout = async () => {
    const client = await pool.connect();
    const wrapper = wrap(client);
    return {
      query: (sql, parameters) => client.query({ name: nameFor(sql, parameters), text: sql, values: parameters as unknown[] }),
      release: (destroy) => wrapper.release(destroy),
    };
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
