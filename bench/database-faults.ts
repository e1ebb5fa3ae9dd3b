// How soon Wisp is back to full service after PostgreSQL faults (docs/reliability.md), run by
// bench/faults.ts with --store postgres. The fault suite checks that service comes back (the
// first request after the database returns succeeds); the time it takes is measured here.
//
// 1. Under load (12 Sims, each written and read in a loop), every connection of the database is
//    ended (pg_terminate_backend) every --fault-gap-ms for --fault-rounds rounds. For each round,
//    the time from the termination to the last request that failed because of it.
// 2. The database refuses connections for 3 s (ALTER DATABASE … ALLOW_CONNECTIONS false), then
//    takes them again: the time from then to the first request that succeeds, and to the last
//    that fails.
import pg from 'pg';
import type { Wisp } from '../src/app.js';

interface Outcome {
  at: number;
  ok: boolean;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const arg = (name: string, fallback: number) => (process.argv.includes(name) ? Number(process.argv[process.argv.indexOf(name) + 1]) : fallback);

async function onServer<T>(server: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Runs `loops` of a write and a read of each Sim until `stop()`; every answer is recorded. */
function load(url: string, basic: string, sids: string[], outcomes: Outcome[]): { stop(): Promise<void> } {
  let running = true;
  const call = async (method: string, path: string, body?: string) => {
    try {
      const res = await fetch(url + path, { method, headers: { authorization: basic, ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) }, body, signal: AbortSignal.timeout(15_000) });
      await res.arrayBuffer();
      outcomes.push({ at: performance.now(), ok: res.status < 300 });
    } catch {
      outcomes.push({ at: performance.now(), ok: false });
    }
  };
  const loops = sids.map(async (sid, n) => {
    for (let i = 0; running; i++) {
      await call('POST', `/v1/Sims/${sid}`, `UniqueName=bench-${n}-${i}`);
      await call('GET', `/v1/Sims/${sid}`);
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;

export async function measureDatabaseFaults(wisp: Wisp, url: string, sids: string[], databaseUrl: string, store: string): Promise<void> {
  const server = process.env.TEST_DATABASE_URL as string;
  const name = new URL(databaseUrl).pathname.slice(1);
  const basic = 'Basic ' + Buffer.from(`${wisp.master.sid}:${wisp.master.auth_token}`).toString('base64');
  const rounds = arg('--fault-rounds', 12);
  const gapMs = arg('--fault-gap-ms', 5000);
  const terminate = () => onServer(server, (c) => c.query('select count(pg_terminate_backend(pid)) as n from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]));

  const outcomes: Outcome[] = [];
  const running = load(url, basic, sids, outcomes);
  const terminations: number[] = [];
  for (let round = 0; round < rounds; round++) {
    await sleep(gapMs);
    terminations.push(performance.now());
    await terminate();
  }
  await sleep(Math.max(gapMs, 3000));
  await running.stop();
  const recovery = terminations.map((at, i) => {
    const next = terminations[i + 1] ?? Infinity;
    const failed = outcomes.filter((o) => !o.ok && o.at >= at && o.at < next).map((o) => o.at - at);
    return failed.length === 0 ? 0 : Math.max(...failed);
  });
  const failures = outcomes.filter((o) => !o.ok).length;
  const lateFailures = outcomes.filter((o) => !o.ok && o.at > terminations[terminations.length - 1] + 2000).length;
  const alive = wisp.app.server.listening;
  console.log(
    `[${store}] connections ended ${rounds} times ${gapMs} ms apart under load: ${outcomes.length - failures} requests succeeded, ${failures} failed; ` +
      `from a termination to the last request it failed: median ${Math.round(median(recovery))} ms, max ${Math.round(Math.max(...recovery))} ms; ` +
      `${lateFailures} failures later than 2 s after the last termination; process ${alive ? 'alive' : 'gone'}`,
  );

  const refused: Outcome[] = [];
  const again = load(url, basic, sids, refused);
  await sleep(1000);
  await onServer(server, (c) => c.query(`alter database "${name}" allow_connections false`));
  await terminate();
  await sleep(3000);
  await onServer(server, (c) => c.query(`alter database "${name}" allow_connections true`));
  const back = performance.now();
  await sleep(3000);
  await again.stop();
  const firstOk = refused.find((o) => o.ok && o.at >= back);
  const lastFailure = refused.filter((o) => !o.ok && o.at >= back).at(-1);
  console.log(
    `[${store}] database refusing connections for 3 s, then back: first request succeeded ${firstOk ? Math.round(firstOk.at - back) : '—'} ms after, ` +
      `last failure ${lastFailure ? `${Math.round(lastFailure.at - back)} ms after` : 'before'} (${refused.filter((o) => !o.ok).length} failed during the refusal)`,
  );
}
