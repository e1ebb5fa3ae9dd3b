import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { connect, StoreStartError } from '../../src/store/connect.js';
import { ConfigError, DEFAULT_SQLITE_CACHE_MB, loadConfig } from '../../src/config.js';
import { createTestDatabaseUrl } from '../helpers/database.js';
import { runWispToExit } from '../helpers/wisp-process.js';

// Start-up refusals that hold on both stores; PostgreSQL's own (unreachable server, timeouts,
// pool) are in postgres.pg.test.ts.

/** A database that a newer Wisp has migrated: it records a migration this code does not know. */
async function databaseFromTheFuture() {
  const database = await createTestDatabaseUrl();
  const { db } = await connect(database.url);
  await sql`insert into kysely_migration (name, timestamp) values (${'999-from-the-future'}, ${new Date().toISOString()})`.execute(db);
  await db.destroy();
  return database;
}

describe('the store refuses to start', () => {
  it('on a database whose schema is newer than the code, naming the unknown migration', async () => {
    const database = await databaseFromTheFuture();
    try {
      await assert.rejects(connect(database.url), (error: unknown) => {
        assert.ok(error instanceof StoreStartError, String(error));
        assert.match(error.message, /schema is newer than this version of Wisp/);
        assert.match(error.message, /999-from-the-future/);
        return true;
      });
    } finally {
      await database.cleanup();
    }
  });

  it('and wisp prints why and exits 1', async () => {
    const database = await databaseFromTheFuture();
    try {
      const { code, stderr } = await runWispToExit({ DATABASE_URL: database.url });
      assert.equal(code, 1);
      assert.match(stderr, /^wisp: the database schema is newer than this version of Wisp: it has migration 999-from-the-future/);
    } finally {
      await database.cleanup();
    }
  });

  it('on a SQLite file that cannot be created', async () => {
    await assert.rejects(connect('sqlite:/dev/null/wisp/wisp.db'), (error: unknown) => {
      assert.ok(error instanceof StoreStartError, String(error));
      assert.match(error.message, /^cannot open the SQLite database at \/dev\/null\/wisp\/wisp\.db: /);
      return true;
    });
  });
});

describe('PostgreSQL settings', () => {
  it('have production defaults', () => {
    const config = loadConfig({});
    assert.equal(config.pgPoolSize, 10);
    assert.equal(config.pgStatementTimeoutMs, 10_000);
    assert.equal(config.pgConnectTimeoutMs, 10_000);
  });

  it('are read from the environment and validated', () => {
    const config = loadConfig({ WISP_PG_POOL_SIZE: '3', WISP_PG_STATEMENT_TIMEOUT_MS: '0', WISP_PG_CONNECT_TIMEOUT_MS: '500' });
    assert.deepEqual([config.pgPoolSize, config.pgStatementTimeoutMs, config.pgConnectTimeoutMs], [3, 0, 500]);
    assert.throws(() => loadConfig({ WISP_PG_POOL_SIZE: '0' }), ConfigError);
    assert.throws(() => loadConfig({ WISP_PG_STATEMENT_TIMEOUT_MS: 'soon' }), ConfigError);
    assert.throws(() => loadConfig({ WISP_PG_CONNECT_TIMEOUT_MS: '5' }), ConfigError);
  });
});

describe('the SQLite page cache setting', () => {
  it('has a default, is read from the environment and validated', () => {
    assert.equal(loadConfig({}).sqliteCacheMb, DEFAULT_SQLITE_CACHE_MB);
    assert.equal(loadConfig({ WISP_SQLITE_CACHE_MB: '256' }).sqliteCacheMb, 256);
    for (const bad of ['0', '-5', '1.5', 'lots', '70000']) {
      assert.throws(() => loadConfig({ WISP_SQLITE_CACHE_MB: bad }), (error: unknown) => error instanceof ConfigError && /WISP_SQLITE_CACHE_MB/.test(error.message));
    }
  });

  it('sizes the cache of a SQLite store', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wisp-cache-'));
    try {
      const { db } = await connect(`sqlite:${join(dir, 'wisp.db')}`, { sqliteCacheMb: 48 });
      try {
        const { rows } = await sql<{ cache_size: number }>`pragma cache_size`.execute(db);
        assert.equal(rows[0].cache_size, -48 * 1024, 'a negative cache_size is in KiB');
      } finally {
        await db.destroy();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
