import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type MigrationProvider } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './migrations/columns.js';
import { migrations } from './migrations/index.js';

export class StoreStartError extends Error {}

export interface Connection {
  db: Kysely<Database>;
  dialect: Dialect;
}

// node-postgres returns BIGINT as a string by default; our bigints are epoch milliseconds and
// sequence numbers, well inside Number's exact range.
pg.types.setTypeParser(20, (value) => Number(value));

function openSqlite(url: string): Connection {
  const path = url.slice('sqlite:'.length) || ':memory:';
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SQLite(path);
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database }) }), dialect: 'sqlite' };
}

function openPostgres(url: string): Connection {
  const pool = new pg.Pool({
    connectionString: url,
    max: Number(process.env.WISP_PG_POOL_SIZE ?? 10),
    statement_timeout: Number(process.env.WISP_PG_STATEMENT_TIMEOUT_MS ?? 10_000),
    connectionTimeoutMillis: 10_000,
  });
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), dialect: 'postgres' };
}

export async function connect(url: string): Promise<Connection> {
  const connection = url.startsWith('sqlite:') ? openSqlite(url) : openPostgres(url);
  await migrate(connection);
  return connection;
}

async function migrate({ db, dialect }: Connection): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new StoreStartError(
      failed ? `migration ${failed} failed: ${reason}` : `the database cannot be used: ${reason}`,
    );
  }
}
