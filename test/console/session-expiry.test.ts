import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { ConsoleSessionService, sessionHash } from '../../src/domain/accounts/console-sessions.js';

// Console sessions end by time, idle or not, and with their credentials; the table keeps only
// the hash of a session's id. Time here is a clock the test moves, not a sleep.

const HOUR = 3_600_000;


describe('console session lifetimes', () => {
  let server: TestServer;
  let now = Date.UTC(2030, 0, 1);
  let sessions: ConsoleSessionService;

  before(async () => {
    server = await startServer();
    const { store, services } = server.wisp;
    sessions = new ConsoleSessionService(store, services.credentials, { now: () => now }, { lifetimeMs: 12 * HOUR, idleMs: HOUR });
  });
  after(() => server?.close());

  test('an unused session ends after the idle time; a used one lives until its lifetime ends', async () => {
    const idle = await sessions.signIn(server.accountSid, server.authToken);
    assert.ok(typeof idle !== 'string');
    const busy = await sessions.signIn(server.accountSid, server.authToken);
    assert.ok(typeof busy !== 'string');
    assert.equal(await server.wisp.store.consoleSessions.get(idle.id), undefined, 'the id itself is not stored');
    assert.ok(await server.wisp.store.consoleSessions.get(sessionHash(idle.id)), 'its hash is');

    // Used every 50 minutes: alive through 11 hours 40 minutes.
    for (let step = 1; step <= 14; step++) {
      now += 50 * 60_000;
      assert.ok(await sessions.resume(busy.id), `alive after ${step * 50} minutes`);
    }
    assert.equal(await sessions.resume(idle.id), null, 'unused for over an hour: ended');
    assert.equal(await server.wisp.store.consoleSessions.get(sessionHash(idle.id)), undefined, 'and deleted');
    now += 50 * 60_000;
    assert.equal(await sessions.resume(busy.id), null, 'past 12 hours since sign-in: ended, however busy');
  });

  test('a session ends with its credentials, and wrong ones open none', async () => {
    const key = await server.request('POST', `/2010-04-01/Accounts/${server.accountSid}/Keys.json`, { form: {} });
    const opened = await sessions.signIn(key.body.sid, key.body.secret);
    assert.ok(typeof opened !== 'string');
    const alive = await sessions.resume(opened.id);
    assert.ok(alive);
    assert.ok(typeof (await sessions.recheck(alive)) !== 'string', 'the key still stands');
    await server.request('DELETE', `/2010-04-01/Accounts/${server.accountSid}/Keys/${key.body.sid}.json`);
    assert.equal(await sessions.recheck(alive), 'unknown_user');
    assert.equal(await sessions.resume(opened.id), null, 'the session is gone');
    assert.equal(await sessions.signIn(server.accountSid, 'f'.repeat(32)), 'wrong_secret');
    assert.equal(await sessions.signIn('SK' + '0'.repeat(32), 'x'), 'unknown_user');
  });

  test('the master\'s own token proves a subaccount session, until the subaccount is closed', async () => {
    const sub = await server.request('POST', '/2010-04-01/Accounts.json', { form: { FriendlyName: 'Closing' } });
    const opened = await sessions.signIn(sub.body.sid, server.authToken);
    assert.ok(typeof opened !== 'string');
    assert.equal(opened.caller.credentialAccount.sid, server.accountSid);
    await server.request('POST', `/2010-04-01/Accounts/${sub.body.sid}.json`, { form: { Status: 'closed' } });
    const alive = await sessions.resume(opened.id);
    assert.ok(alive);
    assert.equal(await sessions.recheck(alive), 'account_inactive');
  });
});
