import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { sql } from 'kysely';
import { connect, StoreStartError } from '../../src/store/connect.js';
import { kyselyStore } from '../../src/store/kysely-store.js';
import { createTestDatabaseUrl, testPostgresUrl, withDatabase, type TestDatabase } from '../helpers/database.js';
import { runWispToExit } from '../helpers/wisp-process.js';
import { newSid } from '../../src/domain/sids.js';
import type { Account } from '../../src/domain/models.js';

// PostgreSQL-only behaviour. scripts/run-tests.mjs runs *.pg.test.ts files in its PostgreSQL
// pass alone and reports them as skipped, with the reason, when that pass cannot run.

const server = testPostgresUrl();
if (!server) throw new Error('this file needs TEST_DATABASE_URL (run it through `npm test`, which skips it without one)');
const serverUrl: string = server;

/** A TCP port on 127.0.0.1 that accepts connections and never answers, as a hung server would. */
async function silentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const listener: Server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const address = listener.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => listener.close(() => resolve()));
    },
  };
}

/** A port on 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const silent = await silentServer();
  await silent.close();
  return silent.port;
}

function startError(pattern: RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof StoreStartError, `expected a StoreStartError, got ${String(error)}`);
    assert.match(error.message, pattern);
    assert.doesNotMatch(error.message, /s3cret/, 'the password never appears in messages');
    return true;
  };
}

describe('PostgreSQL start errors', () => {
  it('names the server it cannot reach, without the password', async () => {
    const port = await closedPort();
    await assert.rejects(
      connect(`postgres://wisp:s3cret@127.0.0.1:${port}/wisp`),
      startError(new RegExp(`^cannot reach PostgreSQL at wisp@127\\.0\\.0\\.1:${port}/wisp: .*ECONNREFUSED.*: check that the server named by DATABASE_URL is running and reachable$`)),
    );
  });

  it('gives up on a server that does not answer after the connect timeout', async () => {
    const silent = await silentServer();
    try {
      const started = Date.now();
      await assert.rejects(
        connect(`postgres://wisp:s3cret@127.0.0.1:${silent.port}/wisp`, { connectTimeoutMs: 300 }),
        startError(/no answer within 300 ms \(WISP_PG_CONNECT_TIMEOUT_MS\)/),
      );
      assert.ok(Date.now() - started < 5000, 'it does not wait much longer than the timeout');
    } finally {
      await silent.close();
    }
  });

  it('says when the database does not exist', async () => {
    const missing = withDatabase(serverUrl, `wisp_missing_${process.pid}`);
    await assert.rejects(connect(missing), startError(/^cannot reach PostgreSQL at .*: database "wisp_missing_\d+" does not exist: create that database, or correct DATABASE_URL$/));
  });

  it('makes wisp print the reason and exit 1', async () => {
    const port = await closedPort();
    const { code, stderr } = await runWispToExit({ DATABASE_URL: `postgres://wisp:s3cret@127.0.0.1:${port}/wisp` });
    assert.equal(code, 1);
    assert.match(stderr, new RegExp(`^wisp: cannot reach PostgreSQL at wisp@127\\.0\\.0\\.1:${port}/wisp: `));
    assert.doesNotMatch(stderr, /s3cret/);
  });
});

describe('PostgreSQL pool settings', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabaseUrl();
  });
  after(() => database.cleanup());

  it('cancels a statement that runs past the statement timeout', async () => {
    const { db } = await connect(database.url, { statementTimeoutMs: 200 });
    try {
      await assert.rejects(sql`select pg_sleep(2)`.execute(db), /statement timeout/);
      // The connection is still good afterwards.
      const { rows } = await sql<{ one: number }>`select 1 as one`.execute(db);
      assert.equal(rows[0].one, 1);
    } finally {
      await db.destroy();
    }
  });

  it('recovers when another process changes a table under a prepared statement', async () => {
    const connection = await connect(database.url, { poolSize: 1 });
    const store = kyselyStore(connection);
    const other = await connect(database.url, { poolSize: 1 });
    try {
      assert.equal(await store.sims.get('DE' + '0'.repeat(32)), undefined);
      await sql`alter table sims add column added_by_a_newer_wisp text`.execute(other.db);
      // The one connection's prepared plan is stale: that call fails, the connection is
      // replaced, and the next call works.
      await assert.rejects(store.sims.get('DE' + '0'.repeat(32)), /cached plan must not change result type/);
      assert.equal(await store.sims.get('DE' + '0'.repeat(32)), undefined);
    } finally {
      await sql`alter table sims drop column added_by_a_newer_wisp`.execute(other.db);
      await other.db.destroy();
      await store.close();
    }
  });

  it('opens no more connections than the pool size', async () => {
    const { db } = await connect(database.url, { poolSize: 2 });
    try {
      const sleeps = Array.from({ length: 6 }, () => sql`select pg_sleep(0.15)`.execute(db));
      const { rows } = await sql<{ n: number }>`
        select count(*)::int as n from pg_stat_activity
        where datname = current_database() and application_name = 'wisp'`.execute(db);
      await Promise.all(sleeps);
      assert.ok(rows[0].n <= 2, `${rows[0].n} connections are open`);
    } finally {
      await db.destroy();
    }
  });
});

describe('PostgreSQL grouped transactions of the job engine', () => {
  let database: TestDatabase;
  let connection: Awaited<ReturnType<typeof connect>>;
  let store: ReturnType<typeof kyselyStore>;
  before(async () => {
    database = await createTestDatabaseUrl();
    connection = await connect(database.url);
    store = kyselyStore(connection);
  });
  after(async () => {
    await store.close();
    await database.cleanup();
  });

  const account = (): Account => {
    const sid = newSid('AC');
    return { sid, owner_account_sid: sid, friendly_name: 'grouped', status: 'active', type: 'Full', auth_token: 'a'.repeat(32), date_created: 1, date_updated: 1 };
  };

  /** How many database transactions wrote these accounts (a row's xmin is its writer's id). */
  async function writers(accounts: Account[]): Promise<number> {
    const sids = accounts.map((a) => a.sid);
    const { rows } = await sql<{ writer: string }>`select xmin::text as writer from accounts where sid in (${sql.join(sids)})`.execute(connection.db);
    assert.equal(rows.length, accounts.length);
    return new Set(rows.map((r) => r.writer)).size;
  }

  it('runs those asked for together in one database transaction', async () => {
    const made = Array.from({ length: 6 }, account);
    await Promise.all(made.map((a) => store.transaction((tx) => tx.accounts.insert(a), { replayable: { key: a.sid } })));
    assert.equal(await writers(made), 1);
  });

  it('runs those with the same key one after another, each in its own', async () => {
    const made = Array.from({ length: 3 }, account);
    await Promise.all(made.map((a) => store.transaction((tx) => tx.accounts.insert(a), { replayable: { key: 'one Sim' } })));
    assert.equal(await writers(made), 3);
  });

  it('never groups customers’ transactions', async () => {
    const made = Array.from({ length: 3 }, account);
    await Promise.all(made.map((a) => store.transaction((tx) => tx.accounts.insert(a))));
    assert.equal(await writers(made), 3);
  });
});
