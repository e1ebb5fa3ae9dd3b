import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

// One empty database per test server. SQLite by default: a file in a fresh temporary folder.
// With TEST_DATABASE_URL set (postgres://...), a uniquely named database created on that
// server and dropped afterwards; its name starts with WISP_TEST_DB_PREFIX (set by
// scripts/run-tests.mjs and .ci/run) so whatever a crashed test leaves behind can be swept.

export interface TestDatabase {
  url: string;
  dialect: 'sqlite' | 'postgres';
  /** Drops the database (or deletes the file); safe to call more than once. */
  cleanup(): Promise<void>;
}

/** The PostgreSQL server tests run against, or null when they run on SQLite. */
export function testPostgresUrl(): string | null {
  const url = process.env.TEST_DATABASE_URL;
  return url ? url : null;
}

let counter = 0;

function newDatabaseName(): string {
  counter += 1;
  const prefix = (process.env.WISP_TEST_DB_PREFIX || 'wisp_test').toLowerCase().replace(/[^a-z0-9_]/g, '_');
  // PostgreSQL truncates names at 63 bytes; keep the unique tail.
  return `${prefix.slice(0, 36)}_${process.pid}_${counter}_${randomBytes(3).toString('hex')}`;
}

/** The URL of database `name` on the same server, with the same credentials and options. */
export function withDatabase(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Runs statements on the server's maintenance database (the one TEST_DATABASE_URL names). */
export async function onServer<T>(serverUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database for one Wisp: a SQLite file URL, or a new database on TEST_DATABASE_URL's server. */
export async function createTestDatabaseUrl(): Promise<TestDatabase> {
  const server = testPostgresUrl();
  if (!server) {
    const dir = mkdtempSync(join(tmpdir(), 'wisp-test-'));
    return {
      url: `sqlite:${join(dir, 'wisp.db')}`,
      dialect: 'sqlite',
      async cleanup() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const name = newDatabaseName();
  await onServer(server, (client) => client.query(`CREATE DATABASE "${name}"`));
  let dropped = false;
  return {
    url: withDatabase(server, name),
    dialect: 'postgres',
    async cleanup() {
      if (dropped) return;
      dropped = true;
      // FORCE ends connections a killed child process may have left open.
      await onServer(server, (client) => client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}
