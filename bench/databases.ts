import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { type Fleet, generateFleet } from './fleet.js';
import { ROOT } from './processes.js';
import type { StoreName } from './options.js';

// One generated fleet per store and size, kept between runs (bench/data and a wisp_bench_<n>
// database) so a second run measures at once; --fresh generates it again.

export interface Prepared {
  databaseUrl: string;
  fleet: Fleet;
  reused: boolean;
}

const DATA = join(ROOT, 'bench', 'data');

function metaPath(store: StoreName, sims: number, name: string): string {
  return join(DATA, `${name.replace(/_/g, '-')}-${sims}.${store}.json`);
}

function readMeta(path: string): Fleet | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Fleet;
  } catch {
    return null;
  }
}

function serverDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Null when the PostgreSQL server can be used, else why not. */
export async function postgresProblem(serverUrl: string): Promise<string | null> {
  try {
    await onServer(serverUrl, (c) => c.query('select 1'));
    return null;
  } catch (error) {
    const reason = error instanceof AggregateError ? error.errors.map((e: Error) => e.message).join('; ') : (error as Error).message;
    return `cannot reach PostgreSQL at ${new URL(serverUrl).host}: ${reason}`;
  }
}

export async function prepareSqlite(sims: number, fresh: boolean, name = 'wisp_bench'): Promise<Prepared> {
  mkdirSync(DATA, { recursive: true });
  const file = join(DATA, `${name.replace(/_/g, '-')}-${sims}.db`);
  const meta = metaPath('sqlite', sims, name);
  const known = readMeta(meta);
  if (!fresh && known && existsSync(file)) return { databaseUrl: `sqlite:${file}`, fleet: known, reused: true };
  for (const path of [file, `${file}-wal`, `${file}-shm`, meta]) rmSync(path, { force: true });
  const fleet = await generateFleet(`sqlite:${file}`, sims);
  // Fresh statistics for the query planner, as after any bulk load.
  const db = new SQLite(file);
  db.exec('ANALYZE');
  db.close();
  writeFileSync(meta, JSON.stringify(fleet, null, 2));
  return { databaseUrl: `sqlite:${file}`, fleet, reused: false };
}

/**
 * What autovacuum would have done by now: the bench's PostgreSQL may run with it off (this
 * machine's does), and then the job tables' dead rows and stale statistics (which make the
 * planner pick the wrong index for a queue table) would grow from scenario to scenario. pgbench
 * vacuums before each run for the same reason.
 */
export async function vacuumPostgres(databaseUrl: string): Promise<void> {
  await onServer(databaseUrl, (c) => c.query('VACUUM ANALYZE'));
}

export async function preparePostgres(serverUrl: string, sims: number, fresh: boolean, fleetName = 'wisp_bench'): Promise<Prepared> {
  mkdirSync(DATA, { recursive: true });
  const name = `${fleetName}_${sims}`;
  const databaseUrl = serverDatabase(serverUrl, name);
  const meta = metaPath('postgres', sims, fleetName);
  const known = readMeta(meta);
  const exists = await onServer(serverUrl, async (c) => (await c.query('select 1 from pg_database where datname = $1', [name])).rowCount === 1);
  if (!fresh && known && exists) return { databaseUrl, fleet: known, reused: true };
  rmSync(meta, { force: true });
  await onServer(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const fleet = await generateFleet(databaseUrl, sims);
  await vacuumPostgres(databaseUrl);
  writeFileSync(meta, JSON.stringify(fleet, null, 2));
  return { databaseUrl, fleet, reused: false };
}
