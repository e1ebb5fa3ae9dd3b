// `npm run bench`: generates a fleet (1,000,000 SIMs by default) in SQLite and in PostgreSQL,
// runs Wisp on each in its own process, loads it with autocannon on 127.0.0.1, and compares
// every scenario with a bare node:http server measured in the same run. Results go to
// bench/results/*.json; a Markdown summary is printed at the end. `--help` lists the options.
import { cpus, totalmem, type as osType, release } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { readOptions, type BenchOptions, type ScenarioName, type StoreName } from './options.js';
import { ROOT, cpuMsOf, postgresServerCpuMs, startProcess, watchMemory } from './processes.js';
import { load, type LoadResult } from './load.js';
import { postgresProblem, preparePostgres, prepareSqlite, vacuumPostgres, type Prepared } from './databases.js';
import { discover, runScenario, runSoak, runStatusChanges, warmUpStatusChanges, type Samples, type ScenarioResult, type Target } from './scenarios.js';
import { markdownSummary } from './report.js';
import { runUsageBench, type UsageBenchResult } from './usage.js';
import { measureStartWisp, type StartWispResult } from './start-wisp.js';
import { runConsolePages, type ConsoleBenchResult } from './console.js';
import { runBulkBench, type BulkBenchResult } from './bulk.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

export interface BareResult extends LoadResult {
  bodyBytes: number;
  rssMB: number;
  serverCpuUsPerRequest: number;
}

export interface StoreResult {
  store: StoreName;
  skipped?: string;
  generate?: { sims: number; seconds: number | null; reused: boolean };
  fetchBodyBytes?: number;
  /** `status-change (api + worker)`: the same changes with HTTP and jobs in two processes. */
  scenarios: Partial<Record<ScenarioName | 'soak' | typeof SPLIT, ScenarioResult>>;
  usage?: UsageBenchResult;
  /** The web console's pages (bench/console.ts). */
  console?: ConsoleBenchResult;
  /** Bulk fleet operations (bench/bulk.ts). */
  bulk?: BulkBenchResult;
  serverLog?: string;
}

export interface BenchResults {
  date: string;
  command: string;
  machine: { cpus: number; cpu: string; memoryGB: number; os: string; node: string; postgres: string | null; postgresAutovacuum?: string; sqlite: string };
  options: BenchOptions;
  bare: { before: BareResult; after?: BareResult; rps: number };
  stores: StoreResult[];
  /** startWisp() on in-memory SQLite (bench/start-wisp.ts). */
  startWisp?: StartWispResult;
}

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

async function measureBare(options: BenchOptions): Promise<BareResult> {
  const server = await startProcess(['--import', 'tsx', 'bench/bare-server.ts'], process.env, /listening (\d+) (\d+)/);
  try {
    const url = `http://127.0.0.1:${server.ready[1]}`;
    const next = () => ({ path: '/v1/Sims/DE0123456789abcdef0123456789abcdef' });
    if (options.warmup > 0) await load({ url, connections: options.connections, duration: options.warmup, next });
    const memory = watchMemory([server.pid], 1000);
    const cpuBefore = cpuMsOf(server.pid);
    const result = await load({ url, connections: options.connections, duration: options.duration, next });
    const cpuUs = (cpuMsOf(server.pid) - cpuBefore) * 1000;
    return { ...result, bodyBytes: Number(server.ready[2]), rssMB: memory.stop().maxMB, serverCpuUsPerRequest: Math.round(cpuUs / Math.max(1, result.requests)) };
  } finally {
    await server.stop();
  }
}

const SPLIT = 'status-change (api + worker)';

async function startWisp(prepared: Prepared, options: BenchOptions, role: 'all' | 'api' | 'worker' = 'all') {
  const args = ['--import', 'tsx'];
  if (options.profile) {
    mkdirSync(join(ROOT, 'bench', 'profiles'), { recursive: true });
    args.push('--cpu-prof', `--cpu-prof-dir=${join(ROOT, 'bench', 'profiles')}`);
  }
  args.push('src/main.ts');
  const env = {
    ...process.env,
    DATABASE_URL: prepared.databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    WISP_DEMO: '0',
    WISP_ADMIN_TOKEN: ADMIN_TOKEN,
    // Request logs at info would measure the terminal; warnings and errors still show.
    LOG_LEVEL: 'warn',
    // Enough jobs at once that the simulated operator's latency is not what limits status changes.
    WISP_WORKER_CONCURRENCY: process.env.WISP_WORKER_CONCURRENCY ?? '128',
    WISP_ROLE: role,
    // A worker apart from the api hears of new jobs by polling rather than by a poke.
    WISP_WORKER_POLL_MS: role === 'worker' ? '10' : (process.env.WISP_WORKER_POLL_MS ?? '250'),
  };
  return startProcess(args, env, role === 'worker' ? /Wisp worker started/ : /Wisp is serving on (http:\/\/\S+)/);
}

/** The status changes again, with HTTP in one process (WISP_ROLE=api) and the jobs in another. */
async function runSplitStatusChanges(prepared: Prepared, options: BenchOptions, base: Omit<Target, 'url' | 'pids'>, samples: Samples): Promise<{ result: ScenarioResult; log: string }> {
  const worker = await startWisp(prepared, options, 'worker');
  const api = await startWisp(prepared, options, 'api').catch(async (error: unknown) => {
    await worker.stop();
    throw error;
  });
  try {
    const result = await runStatusChanges({ ...base, url: api.ready[1], pids: [api.pid, worker.pid] }, samples, options);
    return { result, log: api.output() + worker.output() };
  } finally {
    await api.stop();
    await worker.stop();
  }
}

async function runStore(store: StoreName, options: BenchOptions, autovacuum: string | undefined): Promise<StoreResult> {
  const result: StoreResult = { store, scenarios: {} };
  if (store === 'postgres') {
    const problem = await postgresProblem(options.pgUrl);
    if (problem) {
      log(`PostgreSQL SKIPPED: ${problem}`);
      return { ...result, skipped: problem };
    }
  }
  const prepared = store === 'sqlite' ? await prepareSqlite(options.sims, options.fresh, options.fleetName) : await preparePostgres(options.pgUrl, options.sims, options.fresh, options.fleetName);
  result.generate = { sims: prepared.fleet.sims, seconds: prepared.reused ? null : prepared.fleet.generatedSeconds, reused: prepared.reused };
  log(`${store}: ${prepared.reused ? 'reusing the' : 'generated a'} fleet of ${prepared.fleet.sims.toLocaleString('en')} SIMs`);

  const wisp = await startWisp(prepared, options);
  let serverLog = '';
  try {
    const master = prepared.fleet.accounts[0];
    const target: Target = {
      url: wisp.ready[1],
      pids: [wisp.pid],
      authorization: 'Basic ' + Buffer.from(`${master.sid}:${master.authToken}`).toString('base64'),
      adminToken: ADMIN_TOKEN,
      databaseCpuMs: store === 'postgres' ? async () => postgresServerCpuMs() : undefined,
    };
    const samples = await discover(target, { sids: 10_000, active: options.changes });
    log(`${store}: the master account has ${samples.activeCount.toLocaleString('en')} active SIMs; ${samples.deepTokens.length} deep page tokens`);
    const sample = await fetch(`${target.url}/v1/Sims/${samples.sids[0]}`, { headers: { authorization: target.authorization } });
    result.fetchBodyBytes = (await sample.arrayBuffer()).byteLength;

    if (options.scenarios.includes('status-change')) await warmUpStatusChanges(target, samples, options);
    // With autovacuum off, each scenario starts from what autovacuum would have left.
    const maintain = store === 'postgres' && autovacuum !== 'on' ? () => vacuumPostgres(prepared.databaseUrl) : async () => {};
    for (const scenario of options.scenarios) {
      await maintain();
      log(`${store}: ${scenario}…`);
      if (scenario === 'console') {
        result.console = await runConsolePages(target.url, prepared.fleet, ADMIN_TOKEN, samples.sids);
        for (const p of result.console.pages) log(`${store}: console ${p.page}: server p50 ${p.serverP50} ms, p95 ${p.serverP95} ms, max ${p.serverMax} ms`);
        continue;
      }
      // On a database of its own, with its own api and worker processes.
      if (scenario === 'bulk') {
        result.bulk = await runBulkBench(store, options, log, options.bulkSims);
        continue;
      }
      const r = scenario === 'status-change' ? await runStatusChanges(target, samples, options) : await runScenario(scenario, target, samples, options);
      result.scenarios[scenario] = r;
      logScenario(store, scenario, r);
    }
    if (options.soak > 0) {
      await maintain();
      log(`${store}: soak, ${options.soak} s of mixed load…`);
      const r = await runSoak(target, samples, options);
      result.scenarios.soak = r;
      log(`${store}: soak: ${r.rps} req/s, RSS ${r.memory.startMB}→${r.memory.endMB} MB (max ${r.memory.maxMB})`);
    }
    await wisp.stop();
    if (options.scenarios.includes('status-change')) {
      await maintain();
      log(`${store}: ${SPLIT}…`);
      const { result: r, log: output } = await runSplitStatusChanges(prepared, options, target, samples);
      serverLog += output;
      result.scenarios[SPLIT] = r;
      logScenario(store, SPLIT, r);
    }
  } finally {
    await wisp.stop();
    const problems = (wisp.output() + serverLog).split('\n').filter((l) => /"level":(40|50|60)/.test(l));
    if (problems.length > 0) result.serverLog = problems.slice(0, 20).join('\n');
  }
  return result;
}

function logScenario(store: StoreName, scenario: string, r: ScenarioResult): void {
  log(`${store}: ${scenario}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms, ${r.serverCpuUsPerRequest} µs server CPU/req${r.databaseCpuUsPerRequest !== undefined ? ` + ${r.databaseCpuUsPerRequest} µs PostgreSQL` : ''}, RSS ${r.memory.startMB}→${r.memory.endMB} MB${r.non2xx || r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : ''}${r.endToEnd ? `, ${r.endToEnd.perSecond} changes/s end to end` : ''}`);
}

/** The usage-records scenario (bench/usage.ts) on a database of its own. */
async function runUsage(store: StoreName, options: BenchOptions): Promise<UsageBenchResult | undefined> {
  const sessions = options.sims;
  if (store === 'sqlite') return runUsageBench({ sessions, recorded: Math.min(20_000, sessions), log });
  const name = `wisp_bench_usage_${process.pid}`;
  const url = new URL(options.pgUrl);
  const admin = new pg.Client({ connectionString: options.pgUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
    url.pathname = `/${name}`;
    return await runUsageBench({ databaseUrl: url.toString(), sessions, recorded: Math.min(20_000, sessions), log });
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await admin.end();
  }
}

async function machine(options: BenchOptions): Promise<BenchResults['machine']> {
  let postgres: string | null = null;
  let postgresAutovacuum: string | undefined;
  if (options.stores.includes('postgres') && !(await postgresProblem(options.pgUrl))) {
    const client = new pg.Client({ connectionString: options.pgUrl });
    await client.connect();
    postgres = (await client.query('show server_version')).rows[0].server_version as string;
    postgresAutovacuum = (await client.query('show autovacuum')).rows[0].autovacuum as string;
    await client.end();
    // Without autovacuum the job tables keep every dead row version, and the numbers show it.
    if (postgresAutovacuum !== 'on') log('note: this PostgreSQL server runs with autovacuum off');
  }
  const memory = new SQLite(':memory:');
  const sqlite = (memory.prepare('select sqlite_version() as v').get() as { v: string }).v;
  memory.close();
  return { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', memoryGB: Math.round(totalmem() / 2 ** 30), os: `${osType()} ${release()}`, node: process.version, postgres, postgresAutovacuum, sqlite };
}

async function main(): Promise<void> {
  const options = readOptions(process.argv.slice(2), process.env);
  const results: BenchResults = {
    date: new Date().toISOString(),
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    machine: await machine(options),
    options,
    bare: { before: await measureBare(options), rps: 0 },
    stores: [],
  };
  results.startWisp = await measureStartWisp();
  log(`startWisp(): median ${results.startWisp.medianMs} ms, p90 ${results.startWisp.p90Ms} ms, first ${results.startWisp.firstMs} ms (goal: under 150 ms)`);
  log(`bare node:http: ${results.bare.before.rps} req/s, p50 ${results.bare.before.p50} ms, p99 ${results.bare.before.p99} ms, ${results.bare.before.serverCpuUsPerRequest} µs server CPU/req`);
  for (const store of options.stores) {
    const r = await runStore(store, options, results.machine.postgresAutovacuum);
    if (!r.skipped && options.usage) {
      log(`${store}: usage records…`);
      r.usage = await runUsage(store, options);
    }
    results.stores.push(r);
  }
  results.bare.after = await measureBare(options);
  results.bare.rps = Math.round((results.bare.before.rps + results.bare.after.rps) / 2);
  log(`bare node:http again: ${results.bare.after.rps} req/s`);

  const out = options.out ?? join(ROOT, 'bench', 'results', `${results.date.slice(0, 19).replace(/:/g, '-')}-${options.sims}-sims.json`);
  mkdirSync(join(out, '..'), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  process.stdout.write(markdownSummary(results) + '\n');
  log(`results written to ${out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
