import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { FAST_ENGINE, newSim, settledAt, until } from '../helpers/lifecycle.js';

// A change whose job can neither apply nor undo it must not leave the Sim `updating` forever.
// Here the undo fails because its callback cannot be recorded (a NUL in the URL, which
// PostgreSQL's text refuses: the wire refuses it since, so the job is altered in the
// database). The job ends dead, visible in the admin API, and a simpler undo, without the
// callback, returns the Sim to its status before the request. PostgreSQL only.

describe('a change that can be neither applied nor undone', () => {
  let database: TestDatabase;
  let server: TestServer;

  before(async () => {
    database = await createTestDatabaseUrl();
    if (database.dialect !== 'postgres') throw new Error('this file needs TEST_DATABASE_URL (npm test runs it in the PostgreSQL pass)');
    server = await startServer({ ...FAST_ENGINE, DATABASE_URL: database.url, WISP_JOB_MAX_ATTEMPTS: '2' });
  });
  after(async () => {
    await server.close();
    await database.cleanup();
  });

  it('leaves the Sim at its status before the request, with the dead job on record', async () => {
    const sid = await newSim(server);
    assert.equal((await server.admin('POST', '/admin/v1/Network', { available: false })).status, 200);
    const res = await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'deactivated', CallbackUrl: 'http://127.0.0.1:9/hook' } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const jobs = () => server.admin('GET', `/admin/v1/Jobs?sim_sid=${sid}&kind=operator.apply`).then((r) => r.body.jobs as any[]);
    await until('the change waits for the operator', jobs, (list) => list.length === 1 && list[0].state === 'waiting');

    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const patched = await client.query(`update jobs set payload = replace(payload, '/hook"', '/hook\\u0000"') where kind = 'operator.apply' and queue_key = $1`, [sid]);
      assert.equal(patched.rowCount, 1);
    } finally {
      await client.end();
    }
    // The operator comes back and refuses the change: the refusal's callback cannot be written.
    assert.equal((await server.admin('POST', '/admin/v1/Network', { available: true, failure_rate: 1 })).status, 200);

    const [dead] = await until('the job is dead', jobs, (list) => list.length === 1 && list[0].state === 'dead', { tries: 500 });
    assert.match(dead.last_error, /undo failed/);
    const sim = await settledAt(server, sid, 'new');
    assert.equal(sim.status, 'new');

    // Not wedged: the next change is accepted and lands.
    await server.admin('POST', '/admin/v1/Network', { failure_rate: 0 });
    const next = await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'deactivated' } });
    assert.equal(next.status, 200, JSON.stringify(next.body));
    await settledAt(server, sid, 'deactivated');
  });
});
