import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';

// Whatever a client sends the console, it answers with a page that says what was wrong, never
// a 5xx, on SQLite and PostgreSQL alike; and a refused form changes nothing.

async function signIn(server: TestServer, fields: Record<string, string>): Promise<{ cookie: string; csrf: string }> {
  const form = await fetch(`${server.url}/console/sign-in`);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
  const signInCookie = form.headers.getSetCookie()[0].split(';')[0];
  const res = await fetch(`${server.url}/console/sign-in`, { method: 'POST', body: new URLSearchParams({ _csrf: token, ...fields }), headers: { cookie: signInCookie }, redirect: 'manual' });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith('wisp_console='))!.split(';')[0];
  const page = await fetch(`${server.url}/console/sims`, { headers: { cookie } });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1];
  return { cookie, csrf };
}

describe('console bad input', () => {
  let server: TestServer;
  let account: { cookie: string; csrf: string };
  let operator: { cookie: string; csrf: string };

  before(async () => {
    server = await startServer();
    account = await signIn(server, { kind: 'account', user: server.accountSid, secret: server.authToken });
    const form = await fetch(`${server.url}/console/sign-in`);
    const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
    const signInCookie = form.headers.getSetCookie()[0].split(';')[0];
    const res = await fetch(`${server.url}/console/sign-in`, { method: 'POST', body: new URLSearchParams({ _csrf: token, kind: 'operator', admin_token: server.adminToken }), headers: { cookie: signInCookie }, redirect: 'manual' });
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('wisp_console='))!.split(';')[0];
    const page = await fetch(`${server.url}/console/operator`, { headers: { cookie } });
    operator = { cookie, csrf: /name="_csrf" value="([^"]+)"/.exec(await page.text())![1] };
  });
  after(() => server?.close());

  const reads = [
    '/console/sims?after=abc', '/console/sims?before=-1&sort=iccid', '/console/sims?after=99999999999999999999999&sort=newest',
    '/console/sims?status=bogus&size=7&sort=nope', '/console/sims?q=%00', '/console/sims?q=%F0%9F%98%80&after=%E2%80%8B', '/console/sims?plan=nope&iccid=12',
    '/console/sims/DE00000000000000000000000000000000', '/console/sims/nothing?day=2024-02-31', '/console/sims/nothing/live',
    '/console/rate-plans/WPnope', '/console/accounts/ACnope', '/console/nowhere',
  ];
  const operatorReads = [
    '/console/operator/callbacks?before=1e99&state=x', '/console/operator/callbacks/abc', '/console/operator/jobs?before=99999999999999999999&state=nope&kind=%00',
    '/console/operator/devices?sim=DEnope', '/console/operator/inventory?after=x',
  ];

  test('odd query strings and paths get a page, never a server error', async () => {
    for (const path of reads) {
      const res = await fetch(server.url + path, { headers: { cookie: account.cookie } });
      assert.ok(res.status < 500, `${path} answered ${res.status}`);
      assert.match(res.headers.get('content-type') ?? '', /text\/html/, path);
    }
    for (const path of operatorReads) {
      const res = await fetch(server.url + path, { headers: { cookie: operator.cookie } });
      assert.ok(res.status < 500, `${path} answered ${res.status}`);
    }
  });

  test('bad forms are refused with the reason, and nothing is written', async () => {
    const post = (path: string, who: { cookie: string; csrf: string }, fields: Record<string, string>) =>
      fetch(server.url + path, { method: 'POST', body: new URLSearchParams({ _csrf: who.csrf, ...fields }), headers: { cookie: who.cookie }, redirect: 'manual' });
    const plans = async () => (await server.request('GET', '/v1/RatePlans')).body.rate_plans;
    const before = await plans();
    const badLimit = await post('/console/rate-plans', account, { unique_name: 'x', data_limit: 'lots' });
    assert.equal(badLimit.status, 422);
    assert.match(await badLimit.text(), /DataLimit must be a whole number/);
    const badName = await post('/console/rate-plans', account, { unique_name: 'a'.repeat(300) });
    assert.equal(badName.status, 422);
    const control = await post('/console/rate-plans', account, { unique_name: 'bad\u0001name' });
    assert.equal(control.status, 400);
    assert.deepEqual(await plans(), before);

    const clock = await (await fetch(`${server.url}/admin/v1/Clock`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json();
    const backwards = await post('/console/operator/clock', operator, { preset: 'to', to: '2001-01-01T00:00' });
    assert.equal(backwards.status, 422);
    assert.match(await backwards.text(), /never goes backwards/);
    const garbage = await post('/console/operator/clock', operator, { preset: 'to', to: 'soon' });
    assert.equal(garbage.status, 422);
    const network = await post('/console/operator/network', operator, { available: 'true', latency_ms: '-5', failure_rate: '2' });
    assert.equal(network.status, 422);
    assert.match(await network.text(), /latency_ms must be a whole number/);
    const after = await (await fetch(`${server.url}/admin/v1/Clock`, { headers: { authorization: `Bearer ${server.adminToken}` } })).json();
    assert.ok(Date.parse(after.now) - Date.parse(clock.now) < 60_000, 'the clock did not move');

    const upload = await fetch(`${server.url}/console/operator/inventory`, { method: 'POST', body: new URLSearchParams({ _csrf: operator.csrf }), headers: { cookie: operator.cookie } });
    assert.equal(upload.status, 400);
  });
});
