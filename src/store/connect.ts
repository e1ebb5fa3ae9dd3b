import { accessSync, constants, existsSync, mkdirSync, statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { DEFAULT_MIGRATION_TABLE, Kysely, Migrator, PostgresDialect, PostgresDriver, sql, type MigrationProvider } from 'kysely';
import type { Database } from './schema.js';
import type { Dialect } from './migrations/columns.js';
import { migrations } from './migrations/index.js';
import { ImmediateSqliteDialect } from './tuning/sqlite-immediate.js';
import { withStatementCache } from './tuning/sqlite-statements.js';
import { withPreparedStatements } from './tuning/pg-statements.js';
import { PostgresGroupCommit } from './tuning/pg-group-commit.js';
import { LogThrottle } from '../lib/log-throttle.js';
import { faultOf } from './faults.js';

/** The store cannot be used: unreachable, unopenable, or its schema is newer than this code. */
export class StoreStartError extends Error {}

export interface StoreOptions {
  /** PostgreSQL: the most connections this process keeps open. */
  poolSize?: number;
  /** PostgreSQL: the server cancels a statement, or an idle open transaction, after this long (0: never). */
  statementTimeoutMs?: number;
  /** PostgreSQL: how long to wait for a new connection. */
  connectTimeoutMs?: number;
  /** SQLite: the page cache in MB (SQLite's own default when unset). */
  sqliteCacheMb?: number;
  /**
   * PostgreSQL: a pooled connection failed, idle or in use (its statements fail, the pool drops
   * it and opens another when needed). Logged to stderr (rate-limited) as well.
   */
  onConnectionError?: (error: Error) => void;
}

export interface Connection {
  db: Kysely<Database>;
  dialect: Dialect;
  /** PostgreSQL: runs the job engine's transactions in groups (pg-group-commit.ts). */
  groupCommit?: PostgresGroupCommit;
  /** PostgreSQL: the pool's connections, open, idle, and requests waiting for one. */
  poolStats?: () => { total: number; idle: number; waiting: number };
}

/**
 * A fresh in-memory SQLite database is the same every time. The first one of a process is
 * migrated and its image kept; each later one starts as a copy of that image, migrated already
 * (startWisp() opens one per test, and the migrations were most of its start).
 */
let migratedMemoryImage: Buffer | null = null;

/** A connection, and for a new in-memory SQLite database its handle, to keep its image once migrated. */
interface Opened {
  connection: Connection;
  migrated: boolean;
  memory: SQLite.Database | null;
}

// node-postgres returns BIGINT as a string by default; our bigints are epoch milliseconds and
// sequence numbers, well inside Number's exact range.
pg.types.setTypeParser(20, (value) => Number(value));

/**
 * Why the file at `path`, or the folder SQLite writes its journal beside it in, cannot be
 * written; null when both can. SQLite itself says only "unable to open database file".
 */
function notWritable(path: string): string | null {
  for (const target of [path, dirname(path)]) {
    if (!existsSync(target)) continue;
    try {
      accessSync(target, constants.W_OK);
    } catch (error) {
      const code = (error as { code?: string }).code;
      const why = code === 'EROFS' ? 'is on a read-only file system' : 'is not writable by this user';
      return `${target} ${why}: the database is read-only; make it (and its folder) writable, or point DATABASE_URL elsewhere`;
    }
  }
  return null;
}

function openSqlite(url: string, options: StoreOptions): Opened {
  const path = url.slice('sqlite:'.length) || ':memory:';
  const memory = path === ':memory:';
  const image = memory ? migratedMemoryImage : null;
  let database: SQLite.Database;
  try {
    if (!memory) mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new StoreStartError(`cannot open the SQLite database at ${path}: its folder cannot be created: ${reasonOf(error)}; set DATABASE_URL to a path this user can write`);
  }
  // SQLite would open a file it cannot write read-only, and fail only at the first write.
  const readOnly = !memory && notWritable(path);
  if (readOnly) throw new StoreStartError(`cannot use the SQLite database at ${path}: ${readOnly}`);
  try {
    database = image ? new SQLite(image) : new SQLite(path);
  } catch (error) {
    throw new StoreStartError(`cannot open the SQLite database at ${path}: ${reasonOf(error)}`);
  }
  try {
    database.pragma('journal_mode = WAL');
    database.pragma('synchronous = NORMAL');
    database.pragma('wal_autocheckpoint = 20000');
    database.pragma('busy_timeout = 5000');
    database.pragma('foreign_keys = ON');
    // A negative cache_size is in KiB; the cache fills only as pages are read.
    if (options.sqliteCacheMb !== undefined) database.pragma(`cache_size = -${Math.round(options.sqliteCacheMb * 1024)}`);
  } catch (error) {
    database.close();
    throw new StoreStartError(`cannot use the SQLite database at ${path}: ${explain(error)}`);
  }
  const db = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(database) }) });
  return { connection: { db, dialect: 'sqlite' }, migrated: image !== null, memory: memory && !image ? database : null };
}

function openPostgres(url: string, options: StoreOptions): Connection {
  const timeout = options.statementTimeoutMs ?? 10_000;
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 10,
    statement_timeout: timeout,
    // A transaction left open by a stuck caller would hold its row locks; end it as well.
    idle_in_transaction_session_timeout: timeout,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 10_000,
    application_name: 'wisp',
    // A connection sends queries issued together without waiting for each answer. Only a
    // grouped transaction issues more than one at a time (pg-group-commit.ts).
    pipeline: true,
  });
  // Without a listener, a connection that the server drops would crash the process.
  const report = (error: Error) => {
    options.onConnectionError?.(error);
    logConnectionError(error);
  };
  pool.on('error', report);
  const prepared = withPreparedStatements(pool, report);
  return {
    db: new Kysely<Database>({ dialect: new PostgresDialect({ pool: prepared }) }),
    dialect: 'postgres',
    // Its own driver over the same pool, for connections the groups hold themselves.
    groupCommit: new PostgresGroupCommit(new PostgresDriver({ pool: prepared })),
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
  };
}

const connectionErrors = new LogThrottle();

function logConnectionError(error: Error): void {
  const seen = connectionErrors.take(error.message);
  if (!seen) return;
  const line = { level: 40, time: Date.now(), msg: 'a PostgreSQL connection failed; it will be replaced', err: error.message, suppressed: seen.suppressed };
  process.stderr.write(JSON.stringify(line) + '\n');
}

/** Opens the database named by `url` (sqlite: or postgres://), checks it and brings its schema up to date. */
export async function connect(url: string, options: StoreOptions = {}): Promise<Connection> {
  const opened = url.startsWith('sqlite:') ? openSqlite(url, options) : { connection: openPostgres(url, options), migrated: false, memory: null };
  const { connection } = opened;
  try {
    await probe(connection, url, options.connectTimeoutMs ?? 10_000);
    if (!opened.migrated) {
      await refuseNewerSchema(connection);
      await migrate(connection, url);
      if (opened.memory) migratedMemoryImage = opened.memory.serialize();
    }
  } catch (error) {
    await connection.db.destroy().catch(() => undefined);
    if (error instanceof StoreStartError) throw error;
    throw new StoreStartError(`the database cannot be used: ${(connection.dialect === 'sqlite' && diskFull(url.slice('sqlite:'.length))) || explain(error)}`);
  }
  return connection;
}

/**
 * SQLite says "disk I/O error" when it cannot grow its files: the disk under `path` is full
 * when (next to) nothing is left on it for this user.
 */
function diskFull(path: string): string | null {
  try {
    const { bavail, bsize } = statfsSync(dirname(path));
    return bavail * bsize < 64 * 1024 ? `the disk that holds ${path} is full; free space there, or point DATABASE_URL elsewhere` : null;
  } catch {
    return null;
  }
}

async function probe({ db, dialect }: Connection, url: string, connectTimeoutMs: number): Promise<void> {
  const started = Date.now();
  try {
    await sql`select 1`.execute(db);
  } catch (error) {
    const where = dialect === 'postgres' ? `PostgreSQL at ${describePostgresUrl(url)}` : `the SQLite database ${url}`;
    // node-postgres reports its connect timeout as a dropped connection; say what happened.
    const timedOut = dialect === 'postgres' && Date.now() - started >= connectTimeoutMs;
    const reason = timedOut ? `no answer within ${connectTimeoutMs} ms (WISP_PG_CONNECT_TIMEOUT_MS)` : explain(error);
    throw new StoreStartError(`cannot reach ${where}: ${reason}`);
  }
}

/** A database URL fit for messages: user, host, port and database, never the password. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const host = u.host || u.searchParams.get('host') || 'localhost';
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${host}${u.pathname || '/'}`;
  } catch {
    return '(unparseable DATABASE_URL)';
  }
}

/**
 * Refuses a database that a newer Wisp has migrated: running older code over a newer schema
 * could lose or corrupt what the newer code wrote.
 */
async function refuseNewerSchema({ db, dialect }: Connection): Promise<void> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === DEFAULT_MIGRATION_TABLE)) return;
  const known = new Set(Object.keys(migrations(dialect)));
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(DEFAULT_MIGRATION_TABLE)} order by name`.execute(db);
  const unknown = rows.map((r) => r.name).filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw new StoreStartError(
      `the database schema is newer than this version of Wisp: it has migration${unknown.length > 1 ? 's' : ''} ` +
        `${unknown.join(', ')}, which this version does not know. Run the Wisp version that migrated it (or a newer one), ` +
        'or point DATABASE_URL at another database.',
    );
  }
}

/** The reason, and what to change: each database fault names the setting to look at. */
function explain(error: unknown): string {
  const reason = reasonOf(error);
  const code = (error as { code?: string } | null)?.code;
  if (code === '3D000') return `${reason}: create that database, or correct DATABASE_URL`;
  const fault = faultOf(error);
  if (fault?.kind === 'read_only') return `${reason}: the database is read-only; make it (and its folder) writable by this user, or point DATABASE_URL elsewhere`;
  if (fault?.kind === 'disk_full') return `${reason}: the disk is full; free space there, or point DATABASE_URL elsewhere`;
  if (fault?.kind === 'unavailable') return `${reason}: check that the server named by DATABASE_URL is running and reachable`;
  return reason;
}

function reasonOf(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(reasonOf).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

async function migrate({ db, dialect }: Connection, url: string): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect) };
  const { error, results } = await new Migrator({ db, provider }).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = (dialect === 'sqlite' && diskFull(url.slice('sqlite:'.length))) || explain(error);
    throw new StoreStartError(
      failed ? `migration ${failed} failed: ${reason}` : `the database cannot be used: ${reason}`,
    );
  }
}
