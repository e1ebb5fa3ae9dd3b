import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { connect } from '../src/store/connect.js';
import { kyselyStore } from '../src/store/kysely-store.js';
import { systemClock } from '../src/domain/clock.js';
import { AccountService } from '../src/domain/accounts/accounts.js';
import { RatePlanService } from '../src/domain/rate-plans.js';
import type { Account, InventorySim, Sim } from '../src/domain/models.js';
import { newSim } from '../src/domain/sims/service.js';
import { withCheckDigit } from '../src/domain/iccid.js';
import type { BenchOptions, StoreName } from './options.js';
import { startProcess, type Running } from './processes.js';

// Bulk fleet operations (docs/bulk.md), on a database of their own: a 100,000-SIM batch end to
// end (create → every per-SIM callback delivered to a local receiver) with an api and a worker
// process, the latency of creating it and of its dry run, and single status changes of another
// account with and without the batch running.

export interface LatencySummary {
  requests: number;
  p50: number;
  p99: number;
}

export interface BulkBenchResult {
  sims: number;
  dryRunMs: number;
  createMs: number;
  seconds: number;
  simsPerSecond: number;
  callbacks: number;
  batchCallbacks: number;
  single: { baseline: LatencySummary; during: LatencySummary; ratio: number };
  settings: Record<string, string>;
}

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const OTHER_SIMS = 6000;
/** The engine settings of the run, reported with its figures. */
const SETTINGS = {
  WISP_WORKER_CONCURRENCY: '128',
  WISP_BATCH_OPERATOR_PER_ACCOUNT: '96',
  WISP_CALLBACK_CONCURRENCY: '128',
  WISP_CALLBACK_PER_ACCOUNT: '64',
};

const percentile = (sorted: number[], p: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]);
const summary = (ms: number[]): LatencySummary => {
  const sorted = [...ms].sort((a, b) => a - b);
  return { requests: ms.length, p50: Math.round(percentile(sorted, 50) * 10) / 10, p99: Math.round(percentile(sorted, 99) * 10) / 10 };
};

/** A database of its own: a SQLite file, or a PostgreSQL database created (and dropped) on the server. */
async function database(store: StoreName, options: BenchOptions): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `wisp_bench_bulk_${process.pid}`;
  if (store === 'sqlite') {
    const file = join(tmpdir(), `${name}.db`);
    return { url: `sqlite:${file}`, drop: async () => ['', '-wal', '-shm'].forEach((s) => rmSync(file + s, { force: true })) };
  }
  const admin = new pg.Client({ connectionString: options.pgUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(options.pgUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: options.pgUrl });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The batch's account with `sims` active SIMs, and another account with its own; straight through the store. */
async function generate(url: string, sims: number): Promise<{ batch: Account; other: Account; otherSims: string[] }> {
  const connection = await connect(url);
  const store = kyselyStore(connection);
  try {
    const accounts = new AccountService(store, systemClock);
    const plans = new RatePlanService(store, systemClock);
    const { account: master } = await accounts.ensureMaster(null);
    const other = await accounts.create({ account: master, credentialAccount: master, keySid: null }, 'Another customer');
    const otherSims: string[] = [];
    let n = 0;
    for (const [account, count] of [[master, sims], [other, OTHER_SIMS]] as const) {
      const plan = await plans.create({ account, credentialAccount: account, keySid: null }, { uniqueName: 'bulk' });
      for (let start = 0; start < count; start += 10_000) {
        const rows: Sim[] = [];
        const cards: InventorySim[] = [];
        for (let i = start; i < Math.min(count, start + 10_000); i++, n++) {
          const iccid = withCheckDigit(`8977${String(n).padStart(15, '0')}`);
          const sim: Sim = { ...newSim({ account_sid: account.sid, iccid, e_id: null, registration_code: `K${n}` }, Date.now()), status: 'active', rate_plan_sid: plan.sid };
          rows.push(sim);
          cards.push({ iccid, registration_code: `K${n}`, e_id: null, sim_sid: sim.sid, imported_at: Date.now() });
          if (account === other) otherSims.push(sim.sid);
        }
        await store.transaction(async (tx) => {
          await tx.inventory.insertMissing(cards);
          await tx.sims.insertMany(rows);
        });
      }
    }
    return { batch: master, other, otherSims };
  } finally {
    await store.close();
  }
}

/** A local receiver that answers 200 and counts the SIMs and batches it heard of. */
async function receiver(): Promise<{ url: string; sims: Set<string>; batches: number; close(): Promise<void> }> {
  const state = { sims: new Set<string>(), batches: 0 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const params = new URLSearchParams(body);
      if (req.url === '/batch') state.batches += 1;
      else state.sims.add(params.get('SimSid') ?? '');
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    sims: state.sims,
    get batches() {
      return state.batches;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function wisp(url: string, role: 'api' | 'worker', options: BenchOptions): Promise<Running> {
  const env = {
    ...process.env,
    ...SETTINGS,
    DATABASE_URL: url,
    PORT: '0',
    HOST: '127.0.0.1',
    WISP_DEMO: '0',
    WISP_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    WISP_ROLE: role,
    WISP_OPERATOR_LATENCY_MS: String(options.operatorLatencyMs),
    WISP_WORKER_POLL_MS: role === 'worker' ? '10' : '250',
  };
  return startProcess(['--import', 'tsx', 'src/main.ts'], env, role === 'worker' ? /Wisp worker started/ : /Wisp is serving on (http:\/\/\S+)/);
}

const basic = (account: Account) => 'Basic ' + Buffer.from(`${account.sid}:${account.auth_token}`).toString('base64');

async function post(url: string, auth: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown>; ms: number }> {
  const started = performance.now();
  const res = await fetch(url, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, body, ms: performance.now() - started };
}

/** Single status changes of `sids` (each once), 4 at a time, until `more()` says stop; their latencies. */
async function singles(api: string, auth: string, sids: string[], more: () => boolean): Promise<number[]> {
  const latencies: number[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < sids.length && more()) {
        const res = await post(`${api}/v1/Sims/${sids[next++]}`, auth, { Status: 'suspended' });
        if (res.status !== 200) throw new Error(`a single change failed: ${JSON.stringify(res.body)}`);
        latencies.push(res.ms);
      }
    }),
  );
  return latencies;
}

export async function runBulkBench(store: StoreName, options: BenchOptions, log: (line: string) => void, sims = 100_000): Promise<BulkBenchResult> {
  const db = await database(store, options);
  const hook = await receiver();
  let processes: Running[] = [];
  try {
    log(`${store}: bulk: generating ${sims.toLocaleString('en')} + ${OTHER_SIMS.toLocaleString('en')} active SIMs…`);
    const { batch, other, otherSims } = await generate(db.url, sims);
    const worker = await wisp(db.url, 'worker', options);
    processes = [worker];
    const api = await wisp(db.url, 'api', options);
    processes.push(api);
    const url = api.ready[1];
    const baseline = await singles(url, basic(other), otherSims.slice(0, 1000), () => true);
    const filter = { 'Filter.Status': 'active', Status: 'suspended' };
    const dry = await post(`${url}/wisp/v1/SimBatches`, basic(batch), { ...filter, DryRun: 'true' });
    if (dry.status !== 200 || dry.body.total !== sims) throw new Error(`the dry run answered ${dry.status}: ${JSON.stringify(dry.body).slice(0, 500)}`);
    const started = performance.now();
    const created = await post(`${url}/wisp/v1/SimBatches`, basic(batch), { ...filter, SimCallbackUrl: `${hook.url}/sim`, CallbackUrl: `${hook.url}/batch` });
    if (created.status !== 201) throw new Error(`the batch answered ${created.status}: ${JSON.stringify(created.body).slice(0, 500)}`);
    log(`${store}: bulk: dry run ${Math.round(dry.ms)} ms, create ${Math.round(created.ms)} ms; running…`);
    const done = () => hook.sims.size >= sims && hook.batches > 0;
    const during = singles(url, basic(other), otherSims.slice(1000), () => !done());
    const deadline = Date.now() + 30 * 60_000;
    let lastLog = Date.now();
    while (!done()) {
      if (Date.now() > deadline) throw new Error(`after 30 minutes ${hook.sims.size} of ${sims} SIM callbacks`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (Date.now() - lastLog > 3_000) {
        lastLog = Date.now();
        const state = await fetch(`${url}/wisp/v1/SimBatches/${String(created.body.sid)}`, { headers: { authorization: basic(batch) } }).then((r) => r.json() as Promise<{ counts: { applied: number } }>);
        log(`${store}: bulk: ${state.counts.applied.toLocaleString('en')} SIMs applied, ${hook.sims.size.toLocaleString('en')} SIM callbacks so far`);
      }
    }
    const seconds = (performance.now() - started) / 1000;
    const duringMs = await during;
    const b = summary(baseline);
    const d = summary(duringMs);
    const result: BulkBenchResult = {
      sims,
      dryRunMs: Math.round(dry.ms),
      createMs: Math.round(created.ms),
      seconds: Math.round(seconds * 10) / 10,
      simsPerSecond: Math.round(sims / seconds),
      callbacks: hook.sims.size,
      batchCallbacks: hook.batches,
      single: { baseline: b, during: d, ratio: b.p99 > 0 ? Math.round((d.p99 / b.p99) * 100) / 100 : 0 },
      settings: { ...SETTINGS, WISP_OPERATOR_LATENCY_MS: String(options.operatorLatencyMs) },
    };
    log(
      `${store}: bulk: ${sims.toLocaleString('en')} SIMs in ${result.seconds} s (${result.simsPerSecond} SIMs/s end to end); single changes of another account p99 ${b.p99} ms alone, ${d.p99} ms during (${result.single.ratio}×, ${d.requests} requests)`,
    );
    return result;
  } finally {
    for (const p of processes.reverse()) await p.stop();
    await hook.close();
    await db.drop();
  }
}
