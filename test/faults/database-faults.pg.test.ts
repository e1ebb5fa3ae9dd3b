import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabaseUrl, onServer, testPostgresUrl, type TestDatabase } from '../helpers/database.js';
import { freshIccid } from '../helpers/server.js';
import { until } from '../helpers/lifecycle.js';
import { ACCOUNT_SID, AUTH_TOKEN, FAST_ENGINE, type WispProcess, registerThrough, startWispProcess, stopProcess } from '../helpers/processes.js';

// PostgreSQL goes away under a Wisp process: its connections are ended again and again under
// light load (pg_terminate_backend), then the database refuses connections for a while. The
// process keeps serving, fails only the requests that needed the database with a Twilio 503,
// keeps every write it acknowledged, and recovers by itself. PostgreSQL only.

const BASIC = 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64');
const SIMS = 12;
// Ten rounds 400 ms apart by default; FAULT_ROUNDS and FAULT_GAP_MS run it longer (the issue's
// target: every 5 s for 60 s, which docs/reliability.md reports).
const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 10);
const GAP_MS = Number(process.env.FAULT_GAP_MS ?? 400);

type Answer = { status: number; body: any } | { status: 'no answer' };

async function call(url: string, method: string, path: string, form?: Record<string, string>): Promise<Answer> {
  try {
    const res = await fetch(url + path, {
      method,
      headers: { authorization: BASIC, ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      body: form ? new URLSearchParams(form).toString() : undefined,
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  } catch {
    return { status: 'no answer' };
  }
}

const terminate = (server: string, name: string) =>
  onServer(server, (c) => c.query('select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]));

describe('PostgreSQL faults under a running process', () => {
  let database: TestDatabase;
  let wisp: WispProcess;
  let url: string;
  let name: string;
  let sids: string[];
  const server = testPostgresUrl() as string;

  before(async () => {
    database = await createTestDatabaseUrl();
    if (database.dialect !== 'postgres') throw new Error('this file needs TEST_DATABASE_URL (npm test runs it in the PostgreSQL pass)');
    name = new URL(database.url).pathname.slice(1);
    wisp = await startWispProcess(database.url, { ...FAST_ENGINE, WISP_PG_POOL_SIZE: '6', LOG_LEVEL: 'warn' });
    url = wisp.url as string;
    sids = await registerThrough(url, Array.from({ length: SIMS }, (_, i) => ({ iccid: freshIccid(), registration_code: `FAULT${i}` })));
  });
  after(async () => {
    await stopProcess(wisp);
    await onServer(server, (c) => c.query(`alter database "${name}" allow_connections true`)).catch(() => undefined);
    await database.cleanup();
  });

  it('keeps serving while its connections are ended, and keeps every acknowledged write', async (t) => {
    // Each Sim is written by one loop only, in order: the last acknowledged name must stay.
    const acked = new Map<string, string>();
    const unsure = new Map<string, Set<string>>();
    const deactivations = new Set<string>();
    const failures: Answer[] = [];
    let ok = 0;
    let stop = false;
    const load = sids.map(async (sid, n) => {
      for (let i = 0; !stop; i++) {
        const wanted = `n${n}-${i}`;
        const write = await call(url, 'POST', `/v1/Sims/${sid}`, { UniqueName: wanted });
        if (write.status === 200) {
          acked.set(sid, wanted);
          unsure.delete(sid);
          ok++;
        } else {
          failures.push(write);
          if (!unsure.has(sid)) unsure.set(sid, new Set());
          unsure.get(sid)?.add(wanted);
        }
        const read = await call(url, 'GET', `/v1/Sims/${sid}`);
        if (read.status === 200) ok++;
        else failures.push(read);
        // Every third Sim also asks for a status change, which the worker applies.
        if (n % 3 === 0 && i === 3) {
          const change = await call(url, 'POST', `/v1/Sims/${sid}`, { Status: 'deactivated' });
          if (change.status === 200) deactivations.add(sid);
          else failures.push(change);
        }
      }
    });
    let ended = 0;
    for (let round = 0; round < ROUNDS; round++) {
      await new Promise((resolve) => setTimeout(resolve, GAP_MS));
      ended += Number((await terminate(server, name)).rows[0].n);
    }
    stop = true;
    await Promise.all(load);
    t.diagnostic(`${ended} connections ended in ${ROUNDS} rounds ${GAP_MS} ms apart; ${ok} requests succeeded, ${failures.length} failed`);

    assert.equal(wisp.child.exitCode, null, `the process is still running; its output:\n${wisp.output().slice(-3000)}`);
    assert.ok(ended >= ROUNDS, `connections were ended (${ended})`);
    assert.ok(ok > 0, 'requests succeeded meanwhile');
    for (const failure of failures) {
      assert.notEqual(failure.status, 'no answer', 'every request got an answer');
      if (failure.status === 'no answer') continue;
      assert.ok(failure.status === 503 || failure.status === 500, `a failed request answered ${failure.status} ${JSON.stringify(failure.body)}`);
      // Every request here is on a Wireless path: 33004, "Service is unavailable".
      assert.equal(failure.body.code, failure.status === 503 ? 33004 : 20500);
      assert.equal(failure.body.status, failure.status);
    }

    // Full service again: every acknowledged write is there, every accepted change lands.
    for (const sid of sids) {
      const sim = await until(`Sim ${sid} reads back`, () => call(url, 'GET', `/v1/Sims/${sid}`), (a) => a.status === 200);
      const body = (sim as { body: any }).body;
      const allowed = new Set([acked.get(sid), ...(unsure.get(sid) ?? [])]);
      assert.ok(allowed.has(body.unique_name), `Sim ${sid} kept its acknowledged name ${acked.get(sid)} (has ${body.unique_name})`);
    }
    for (const sid of deactivations) {
      await until(`Sim ${sid} is deactivated`, () => call(url, 'GET', `/v1/Sims/${sid}`), (a) => a.status === 200 && a.body.status === 'deactivated', { tries: 500 });
    }
    t.diagnostic(`${deactivations.size} accepted status changes landed; every acknowledged write was kept`);
  });

  it('answers /readyz 503 and requests 503 while the database refuses connections, and recovers by itself', async () => {
    await onServer(server, (c) => c.query(`alter database "${name}" allow_connections false`));
    await terminate(server, name);
    try {
      const ready = await until('/readyz reports the database', () => fetch(`${url}/readyz`).then((r) => r.status), (s) => s === 503);
      assert.equal(ready, 503);
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 200, '/healthz stays a liveness check');
      const read = await call(url, 'GET', `/v1/Sims/${sids[0]}`);
      assert.equal(read.status, 503);
      assert.equal((read as { body: any }).body.code, 33004, 'Wireless: "Service is unavailable"');
      const accounts = await call(url, 'GET', '/2010-04-01/Accounts.json');
      assert.deepEqual([accounts.status, (accounts as { body: any }).body.code], [503, 20503], 'elsewhere: the platform\'s "Service unavailable"');
    } finally {
      await onServer(server, (c) => c.query(`alter database "${name}" allow_connections true`));
    }
    // Full service at once: the first requests after the database is back succeed, with no
    // wait for a reconnect (how soon, in time, is measured by bench/faults.ts).
    const write = await call(url, 'POST', `/v1/Sims/${sids[1]}`, { UniqueName: 'back-again' });
    assert.equal(write.status, 200, JSON.stringify(write));
    const read = await call(url, 'GET', `/v1/Sims/${sids[1]}`);
    assert.equal(read.status, 200);
    assert.equal((read as { body: any }).body.unique_name, 'back-again');
    assert.equal((await fetch(`${url}/readyz`)).status, 200);
    assert.equal(wisp.child.exitCode, null);
    const lines = wisp.output().split('\n').filter((l) => l.includes('database fault'));
    assert.ok(lines.length >= 1 && lines.length < 20, `the fault is logged, not flooded (${lines.length} lines)`);
  });
});
