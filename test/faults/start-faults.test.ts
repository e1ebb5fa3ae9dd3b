import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createTestDatabaseUrl } from '../helpers/database.js';
import { runWispToExit } from '../helpers/wisp-process.js';
import { faultOf } from '../../src/store/faults.js';
import { LogThrottle } from '../../src/lib/log-throttle.js';

// Faults an operator fixes with a setting get one line naming the cause and the setting, never a
// stack trace; the same fault while running is logged once per interval, not once per request.

describe('faults at start', () => {
  it('a busy port: one line naming PORT, exit 1', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    const database = await createTestDatabaseUrl();
    try {
      const { code, stderr } = await runWispToExit({ DATABASE_URL: database.url, PORT: String(port) });
      assert.equal(code, 1);
      assert.equal(stderr.trim().split('\n').length, 1, stderr);
      assert.match(stderr, new RegExp(`^wisp: cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use; set PORT`));
      assert.doesNotMatch(stderr, /\n\s+at /, 'no stack trace');
    } finally {
      holder.close();
      await database.cleanup();
    }
  });
});

describe('database faults as the operator hears of them', () => {
  const error = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('tells a full disk, a read-only database and a lost connection from other errors', () => {
    assert.equal(faultOf(error('SQLITE_FULL', 'database or disk is full'))?.kind, 'disk_full');
    assert.equal(faultOf(error('53100', 'could not extend file: No space left on device'))?.kind, 'disk_full');
    assert.equal(faultOf(error('SQLITE_READONLY', 'attempt to write a readonly database'))?.kind, 'read_only');
    assert.equal(faultOf(error('57P01', 'terminating connection due to administrator command'))?.kind, 'unavailable');
    assert.equal(faultOf(new Error('Connection terminated unexpectedly'))?.kind, 'unavailable');
    assert.equal(faultOf(new AggregateError([error('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432')]))?.kind, 'unavailable');
    assert.equal(faultOf(error('23505', 'duplicate key value violates unique constraint')), null);
    assert.equal(faultOf(new TypeError('x is undefined')), null);
  });

  it('logs a repeated line once per interval, then says how many it left out', () => {
    let now = 0;
    const throttle = new LogThrottle(10_000, () => now);
    assert.deepEqual(throttle.take('disk_full'), { suppressed: 0 });
    for (let i = 0; i < 500; i++) assert.equal(throttle.take('disk_full'), null);
    assert.deepEqual(throttle.take('unavailable'), { suppressed: 0 }, 'another fault is its own line');
    now = 10_000;
    assert.deepEqual(throttle.take('disk_full'), { suppressed: 500 });
  });
});
