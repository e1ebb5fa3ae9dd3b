import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

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

function preparingClient(client: pg.PoolClient): PostgresPoolClient {
  // A connection whose prepared statements went stale is closed rather than reused.
  let stale = false;
  const query = async <R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
    const name = nameFor(sql, parameters);
    try {
      return (await client.query({ name, text: sql, values: parameters as unknown[] })) as unknown as PostgresQueryResult<R>;
    } catch (error) {
      if (name && isStalePlan(error)) stale = true;
      throw error;
    }
  };
  return {
    query: ((sqlOrCursor: unknown, parameters?: ReadonlyArray<unknown>) =>
      typeof sqlOrCursor === 'string' ? query(sqlOrCursor, parameters ?? []) : client.query(sqlOrCursor as never)) as PostgresPoolClient['query'],
    release: (destroy?: boolean) => client.release(destroy || stale),
  };
}

export function withPreparedStatements(pool: pg.Pool): PostgresPool {
  // One wrapper per connection, made when it is first checked out rather than on every query.
  const wrappers = new WeakMap<pg.PoolClient, PostgresPoolClient>();
  const wrap = (client: pg.PoolClient) => {
    let wrapper = wrappers.get(client);
    if (!wrapper) wrappers.set(client, (wrapper = preparingClient(client)));
    return wrapper;
  };
  return {
    connect: async () => wrap(await pool.connect()),
    end: () => pool.end(),
  };
}
