import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request } from 'undici';
import { ACCOUNT_SID, ADMIN_TOKEN, AUTH_TOKEN, startWispProcess, stopProcess, type WispProcess } from '../helpers/processes.js';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';

// Two processes on one database, as behind a load balancer: a guesser who spreads its attempts
// over both is refused after the same number of failures as with one process (give or take one
// per process), not after twice as many. Other client addresses are other loopback addresses.

const LIMIT = 20;
const basic = (secret: string) => 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${secret}`).toString('base64');

describe('failed logins counted across processes', () => {
  let database: TestDatabase;
  let processes: WispProcess[] = [];
  const attacker = new Agent({ localAddress: '127.0.0.6' });
  const owner = new Agent({ localAddress: '127.0.0.7' });
  before(async () => {
    database = await createTestDatabaseUrl();
    const env = { WISP_AUTH_CACHE_MS: '0', WISP_AUTH_MAX_FAILURES: String(LIMIT) };
    // One at a time: the first creates the schema.
    processes.push(await startWispProcess(database.url, env));
    processes.push(await startWispProcess(database.url, env));
  });
  after(async () => {
    for (const p of processes) await stopProcess(p);
    processes = [];
    await Promise.all([attacker.close(), owner.close()]);
    await database.cleanup();
  });

  const status = async (agent: Agent, url: string, authorization: string) => {
    const res = await request(url, { headers: { authorization }, dispatcher: agent });
    await res.body.text();
    return res.statusCode;
  };

  it('refuses a guesser alternating between them after the limit, plus at most one more try per process', async (t) => {
    const urls = processes.map((p) => `${p.url}/v1/Sims`);
    const answers: number[] = [];
    for (let i = 0; i < LIMIT * 2; i++) answers.push(await status(attacker, urls[i % 2], basic(`wrong-${i}`)));
    const wrong = answers.filter((s) => s === 401).length;
    t.diagnostic(`${wrong} of ${answers.length} wrong passwords spread over ${processes.length} processes were checked before every try was refused`);
    assert.ok(wrong >= LIMIT && wrong <= LIMIT + processes.length - 1, `${wrong} wrong guesses were checked: ${answers.join(' ')}`);
    assert.deepEqual(answers.slice(wrong), Array(LIMIT * 2 - wrong).fill(429), 'then every try is refused, by both');
    for (const url of urls) {
      assert.equal(await status(attacker, url, basic(AUTH_TOKEN)), 429, 'even with the right token, from that address');
      assert.equal(await status(owner, url, basic(AUTH_TOKEN)), 200, 'the owner elsewhere gets in at once');
    }
  });

  it('counts wrong admin tokens across them too', async () => {
    const urls = processes.map((p) => `${p.url}/admin/v1/Network`);
    const admin = new Agent({ localAddress: '127.0.0.8' });
    try {
      const answers: number[] = [];
      for (let i = 0; i < LIMIT * 2; i++) answers.push(await status(admin, urls[i % 2], `Bearer guess-${i}`));
      const wrong = answers.filter((s) => s === 401).length;
      assert.ok(wrong <= LIMIT + processes.length - 1, `${wrong} wrong admin tokens were checked`);
      assert.equal(answers.at(-1), 429);
      for (const url of urls) assert.equal(await status(owner, url, `Bearer ${ADMIN_TOKEN}`), 200);
    } finally {
      await admin.close();
    }
  });
});
