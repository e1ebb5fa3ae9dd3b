import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { until } from '../helpers/lifecycle.js';
import { ACCOUNT_SID, AUTH_TOKEN, type WispProcess, startWispProcess, stopProcess } from '../helpers/processes.js';

// Two processes on one database, each remembering verified credentials for a minute
// (WISP_AUTH_CACHE_MS). A key deleted, or an account suspended, through one of them is refused
// by the other long before that minute is up: every process watches the credential version.

const basic = (user: string, secret: string) => 'Basic ' + Buffer.from(`${user}:${secret}`).toString('base64');

async function call(url: string, method: string, path: string, auth: string, form?: Record<string, string>) {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: auth, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

describe('credentials revoked in one process', () => {
  let database: TestDatabase;
  let one: WispProcess;
  let two: WispProcess;
  const master = basic(ACCOUNT_SID, AUTH_TOKEN);

  before(async () => {
    database = await createTestDatabaseUrl();
    const env = { WISP_AUTH_CACHE_MS: '60000' };
    one = await startWispProcess(database.url, env);
    two = await startWispProcess(database.url, env);
  });
  after(async () => {
    await stopProcess(one);
    await stopProcess(two);
    await database.cleanup();
  });

  it('are refused by the other process at once: a deleted key', async (t) => {
    const key = await call(one.url as string, 'POST', `/2010-04-01/Accounts/${ACCOUNT_SID}/Keys.json`, master, { FriendlyName: 'short-lived' });
    assert.equal(key.status, 201, JSON.stringify(key.body));
    const withKey = basic(key.body.sid, key.body.secret);
    // The other process verifies the key and remembers it.
    assert.equal((await call(two.url as string, 'GET', '/v1/Sims', withKey)).status, 200);
    assert.equal((await call(two.url as string, 'GET', '/v1/Sims', withKey)).status, 200);

    const deleted = await call(one.url as string, 'DELETE', `/2010-04-01/Accounts/${ACCOUNT_SID}/Keys/${key.body.sid}.json`, master);
    assert.equal(deleted.status, 204);
    const started = Date.now();
    const refused = await until('the other process refuses the key', () => call(two.url as string, 'GET', '/v1/Sims', withKey), (r) => r.status === 401, { tries: 250, intervalMs: 5 });
    assert.equal(refused.body.code, 20003);
    t.diagnostic(`refused ${Date.now() - started} ms after the deletion was answered`);
  });

  it('are refused by the other process at once: a suspended account', async (t) => {
    const sub = await call(one.url as string, 'POST', '/2010-04-01/Accounts.json', master, { FriendlyName: 'to be suspended' });
    assert.equal(sub.status, 201, JSON.stringify(sub.body));
    const asSub = basic(sub.body.sid, sub.body.auth_token);
    assert.equal((await call(two.url as string, 'GET', '/v1/Sims', asSub)).status, 200);

    const suspended = await call(one.url as string, 'POST', `/2010-04-01/Accounts/${sub.body.sid}.json`, master, { Status: 'suspended' });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    const started = Date.now();
    const refused = await until('the other process refuses the account', () => call(two.url as string, 'GET', '/v1/Sims', asSub), (r) => r.status === 401, { tries: 250, intervalMs: 5 });
    assert.equal(refused.body.code, 20005);
    t.diagnostic(`refused ${Date.now() - started} ms after the suspension was answered`);
  });
});
