import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type pg from 'pg';
import { withPreparedStatements } from '../../src/store/tuning/pg-statements.js';

// A connection lost under a statement: a plain read outside a transaction is tried once more on
// another connection; a write, a locking read or anything inside a transaction is not (the
// caller decides), and the lost connection is closed rather than reused.

interface FakeClient {
  id: number;
  sent: string[];
  released: boolean | undefined;
  emit(error: Error): void;
}

function fakePool(failFirst: (sql: string) => boolean) {
  const clients: FakeClient[] = [];
  const pool = {
    async connect() {
      const listeners: ((error: Error) => void)[] = [];
      const client: FakeClient = { id: clients.length, sent: [], released: undefined, emit: (error) => listeners.forEach((l) => l(error)) };
      clients.push(client);
      return {
        on: (_event: string, listener: (error: Error) => void) => listeners.push(listener),
        async query({ text }: { text: string }) {
          client.sent.push(text);
          if (client.id === 0 && failFirst(text)) throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
          return { rows: [{ id: client.id }], command: 'SELECT', rowCount: 1 };
        },
        release(destroy?: boolean) {
          client.released = Boolean(destroy);
        },
      };
    },
    end: async () => undefined,
  };
  return { pool: pool as unknown as pg.Pool, clients };
}

describe('a statement whose connection is lost', () => {
  it('is a plain read: tried once more on another connection, and the lost one closed', async () => {
    const { pool, clients } = fakePool(() => true);
    const kysely = withPreparedStatements(pool);
    const connection = await kysely.connect();
    const result = await connection.query('select id from sims where sid = $1', ['DE1']);
    connection.release();
    assert.deepEqual(result.rows, [{ id: 1 }], 'answered by the second connection');
    assert.equal(clients.length, 2);
    assert.equal(clients[0].released, true, 'the lost connection is closed');
    assert.equal(clients[1].released, false, 'the good one goes back to the pool');
  });

  it('is a write, a locking read, or inside a transaction: fails, without a retry', async () => {
    for (const statement of ['update sims set status = $1', 'select id from jobs where id = $1 for update skip locked']) {
      const { pool, clients } = fakePool(() => true);
      const connection = await withPreparedStatements(pool).connect();
      await assert.rejects(connection.query(statement, ['x']), /administrator command/);
      connection.release();
      assert.equal(clients.length, 1, statement);
      assert.equal(clients[0].released, true);
    }
    const { pool, clients } = fakePool((sql) => sql.startsWith('select'));
    const connection = await withPreparedStatements(pool).connect();
    await connection.query('begin', []);
    await assert.rejects(connection.query('select id from sims where sid = $1', ['DE1']), /administrator command/);
    connection.release();
    assert.equal(clients.length, 1, 'no retry inside a transaction');
  });

  it('hears of a connection that fails while checked out, and closes it on release', async () => {
    const heard: string[] = [];
    const { pool, clients } = fakePool(() => false);
    const connection = await withPreparedStatements(pool, (error) => heard.push(error.message)).connect();
    clients[0].emit(new Error('Connection terminated unexpectedly'));
    connection.release();
    assert.deepEqual(heard, ['Connection terminated unexpectedly']);
    assert.equal(clients[0].released, true);
  });
});
