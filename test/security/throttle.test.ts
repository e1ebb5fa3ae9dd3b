import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { Agent, request } from 'undici';
import { ConfigError, loadConfig } from '../../src/config.js';
import { LoginThrottle } from '../../src/http/throttle.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { until } from '../helpers/lifecycle.js';

// Other client addresses are other loopback addresses (127.0.0.0/8 is all this machine's).

const basic = (user: string, secret: string) => 'Basic ' + Buffer.from(`${user}:${secret}`).toString('base64');

function from(address: string) {
  const agent = new Agent({ localAddress: address });
  return {
    async get(url: string, authorization: string) {
      const res = await request(url, { headers: { authorization }, dispatcher: agent });
      const text = await res.body.text();
      return { status: res.statusCode, headers: res.headers, body: text ? JSON.parse(text) : null };
    },
    close: () => agent.close(),
  };
}

describe('LoginThrottle', () => {
  it('refuses an address at the limit until its window ends', async () => {
    let now = 1_000_000;
    const throttle = new LoginThrottle({ maxFailures: 3, windowMs: 60_000 }, null, 'basic', () => now);
    for (let i = 0; i < 3; i++) {
      assert.equal(throttle.retryAfter('10.0.0.1'), null);
      await throttle.fail('10.0.0.1', 'ACx');
    }
    assert.equal(throttle.retryAfter('10.0.0.1'), 60);
    assert.equal(throttle.retryAfter('10.0.0.2'), null, 'another address is not refused');
    now += 30_000;
    assert.equal(throttle.retryAfter('10.0.0.1'), 30);
    now += 30_000;
    assert.equal(throttle.retryAfter('10.0.0.1'), null, 'the window has ended');
  });

  it('holds failed answers a little longer past half the limit, capped', async () => {
    const throttle = new LoginThrottle({ maxFailures: 20, windowMs: 60_000 });
    const delays: number[] = [];
    for (let i = 0; i < 40; i++) delays.push(await throttle.fail('10.0.0.1'));
    assert.deepEqual(delays.slice(0, 10), Array(10).fill(0));
    assert.ok(delays[10] > 0 && delays[11] > delays[10]);
    assert.ok(Math.max(...delays) <= 250);
  });

  it('refuses a user name at ten times the limit only from addresses that failed before', async () => {
    const throttle = new LoginThrottle({ maxFailures: 2, windowMs: 60_000 });
    for (let i = 0; i < 20; i++) await throttle.fail(`10.0.${i}.1`, 'ACvictim');
    await throttle.fail('10.9.9.9', 'ACother');
    assert.ok(throttle.retryAfter('10.9.9.9', 'ACvictim'), 'an address with failures is refused for that user');
    assert.equal(throttle.retryAfter('10.9.9.9', 'ACother'), null);
    assert.equal(throttle.retryAfter('10.8.8.8', 'ACvictim'), null, 'the owner on a clean address gets in');
    throttle.succeed('ACvictim');
    assert.equal(throttle.retryAfter('10.9.9.9', 'ACvictim'), null, 'a correct login clears the user name');
  });
});

describe('the admin token must be strong', () => {
  it('stops the start on a weak token and takes a random one', () => {
    for (const weak of ['short-token-1234', 'a'.repeat(40), 'abababababababababababababababab12', 'x7Kp2mQ9vL4nR8tW1zY6cB3fH5jD0gS']) {
      assert.throws(() => loadConfig({ WISP_ADMIN_TOKEN: weak }), (error: Error) => error instanceof ConfigError && /128 bits/.test(error.message), weak);
    }
    assert.equal(loadConfig({ WISP_ADMIN_TOKEN: '3f9a0c27d1e84b56a7c3e2f19d8b4a60' }).adminToken?.length, 32);
  });
});

describe('throttled logins over HTTP', () => {
  let server: TestServer;
  const attacker = from('127.0.0.2');
  const owner = from('127.0.0.3');
  const adminAttacker = from('127.0.0.4');
  before(async () => {
    server = await startServer({ WISP_AUTH_CACHE_MS: '0' });
  });
  after(async () => {
    await server.close();
    await Promise.all([attacker.close(), owner.close(), adminAttacker.close()]);
  });

  it('answers 401 for 20 wrong passwords from one address, then 429 with code 20429, while the owner elsewhere gets in', async (t) => {
    const sims = `${server.url}/v1/Sims`;
    for (let i = 0; i < 20; i++) {
      const res = await attacker.get(sims, basic(server.accountSid, `wrong-${i}`));
      assert.equal(res.status, 401);
      assert.equal(res.body.code, 20003);
    }
    const tried = performance.now();
    const refused = await attacker.get(sims, basic(server.accountSid, 'wrong-again'));
    const refusedMs = performance.now() - tried;
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 20429);
    assert.equal(refused.body.more_info, 'https://www.twilio.com/docs/errors/20429');
    assert.ok(Number(refused.headers['retry-after']) > 0);
    const rightButBlocked = await attacker.get(sims, basic(server.accountSid, server.authToken));
    assert.equal(rightButBlocked.status, 429, 'the address is refused before its credentials are checked');

    const asked = performance.now();
    const fromOwner = await owner.get(sims, basic(server.accountSid, server.authToken));
    const ownerMs = performance.now() - asked;
    assert.equal(fromOwner.status, 200);
    // Figures for docs/security.md; the assertions are about order, not time.
    t.diagnostic(`the 21st try answered 429 in ${refusedMs.toFixed(1)} ms; the owner from another address 200 in ${ownerMs.toFixed(1)} ms`);
  });

  it('never counts correct logins', async () => {
    const client = from('127.0.0.5');
    for (let i = 0; i < 60; i++) assert.equal((await client.get(`${server.url}/v1/RatePlans`, basic(server.accountSid, server.authToken))).status, 200);
    await client.close();
  });

  it('refuses wrong admin tokens past the limit in the admin format, not the operator elsewhere', async () => {
    const network = `${server.url}/admin/v1/Network`;
    for (let i = 0; i < 20; i++) assert.equal((await adminAttacker.get(network, `Bearer guess-${i}`)).status, 401);
    const refused = await adminAttacker.get(network, 'Bearer guess-again');
    assert.equal(refused.status, 429);
    assert.equal(refused.body.code, 'too_many_requests');
    assert.equal(refused.body.status, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal((await owner.get(network, `Bearer ${server.adminToken}`)).status, 200);
  });
});

describe('WISP_ACCOUNT_CONCURRENCY', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ WISP_ACCOUNT_CONCURRENCY: '1' });
  });
  after(() => server.close());

  it('answers 429 with code 20429 while the account has its limit in progress', async () => {
    const auth = basic(server.accountSid, server.authToken);
    // Verified once, so the held request below passes authentication without a database read.
    assert.equal((await server.request('GET', '/v1/RatePlans')).status, 200);
    for (let attempt = 1; ; attempt++) {
      // A request whose body has not all arrived stays in progress.
      const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      let answer = '';
      socket.on('data', (data) => (answer += data.toString()));
      socket.write(`POST /v1/RatePlans HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: ${auth}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 20\r\n\r\nUniqueName=`);
      // The server reads the held request's headers before the first probe, and the probes are
      // spaced: a probe in progress when the held request arrives would make the held one the
      // second. A busier machine gets more room on each attempt.
      await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      const seen = await until('a second request is refused, or the held one', () => server.request('GET', '/v1/RatePlans'), (res) => res.status === 429 || answer !== '', { tries: 100, intervalMs: 100 });
      if (answer !== '') {
        // A poll was still in progress when the held request arrived: the held one was the
        // second, and was refused as such. Hold another.
        assert.match(answer, /^HTTP\/1\.1 429 .*"code":20429/s);
        socket.destroy();
        assert.ok(attempt < 5, 'the held request was refused five times running');
        continue;
      }
      assert.equal(seen.status, 429);
      assert.equal(seen.body.code, 20429);
      assert.equal(seen.headers.get('retry-after'), '1');
      const answered = new Promise<void>((resolve) => socket.once('data', () => resolve()));
      socket.write('slow-plan');
      await answered;
      assert.match(answer, /^HTTP\/1\.1 201/);
      socket.destroy();
      break;
    }
    await until('the account may send again', () => server.request('GET', '/v1/RatePlans'), (res) => res.status === 200);
  });
});
