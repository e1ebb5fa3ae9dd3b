// `npx tsx bench/ab.ts --a DIR --b DIR`: compares two checkouts of Wisp (git worktrees, each
// with its node_modules) on the same fleet, in alternating rounds (A B, B A, A B, …), so that
// the drift of a shared machine falls on both alike. Each run starts from an identical copy
// of one fleet, generated once by A's own bench/fleet.ts (A must be the older: B migrates its
// copy forward at start). Prints each run and the median ratio B/A of CPU per request; writes
// the results to bench/results/ab/.
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import pg from 'pg';
import SQLite from 'better-sqlite3';
import { ROOT, postgresServerCpuMs, startProcess } from './processes.js';
import { readOptions, type BenchOptions, type ScenarioName } from './options.js';
import { discover, runScenario, runStatusChanges, warmUpStatusChanges, type ScenarioResult, type Target } from './scenarios.js';
import type { Fleet } from './fleet.js';

const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
const log = (line: string) => process.stderr.write(`ab: ${line}\n`);

interface AbOptions {
  a: string;
  b: string;
  rounds: number;
  store: 'sqlite' | 'postgres';
  /** Status changes with the api and the worker in two processes. */
  split: boolean;
  bench: BenchOptions;
}

function readAbOptions(argv: string[]): AbOptions {
  const own = new Map<string, string>();
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (['a', 'b', 'rounds', 'store'].includes(name)) own.set(name, argv[++i] ?? '');
    else if (name === 'split') own.set(name, 'true');
    else rest.push(argv[i]);
  }
  const a = own.get('a');
  const b = own.get('b');
  if (!a || !b) throw new Error('usage: npx tsx bench/ab.ts --a OLDER_CHECKOUT --b NEWER_CHECKOUT [--store sqlite|postgres] [--rounds 3] [--split] [bench options: --sims, --duration, --scenarios, --changes, …]');
  const store = own.get('store') ?? 'postgres';
  if (store !== 'sqlite' && store !== 'postgres') throw new Error('--store must be sqlite or postgres');
  return { a: resolve(a), b: resolve(b), rounds: Number(own.get('rounds') ?? 3), store, split: own.get('split') === 'true', bench: readOptions(rest, {}) };
}

/** Runs A's own fleet generator (its schema) on `databaseUrl`, in a process rooted in A. */
function generateWithA(a: string, databaseUrl: string, sims: number): Promise<Fleet> {
  const code = `const { generateFleet } = await import(${JSON.stringify(join(a, 'bench', 'fleet.ts'))});
    process.stdout.write('FLEET ' + JSON.stringify(await generateFleet(process.env.AB_URL, Number(process.env.AB_SIMS))) + '\\n');`;
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: a, env: { ...process.env, AB_URL: databaseUrl, AB_SIMS: String(sims) }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('exit', (code) => {
      const line = /^FLEET (.*)$/m.exec(out);
      if (code === 0 && line) done(JSON.parse(line[1]) as Fleet);
      else fail(new Error(`fleet generation in ${a} exited ${code}`));
    });
  });
}

async function onServer<T>(serverUrl: string, work: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

const dropDatabase = (serverUrl: string, name: string) => onServer(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined);

function databaseOn(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** The template fleet, and a way to make a fresh copy of it for one run. */
interface Template {
  fleet: Fleet;
  copy(run: string): Promise<{ url: string; drop(): Promise<void> }>;
  drop(): Promise<void>;
}

async function prepareTemplate(o: AbOptions): Promise<Template> {
  const sims = o.bench.sims;
  if (o.store === 'sqlite') {
    const dir = join(tmpdir(), `wisp-ab-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    const template = join(dir, 'template.db');
    log(`generating ${sims} SIMs with A's code into ${template}`);
    const fleet = await generateWithA(o.a, `sqlite:${template}`, sims);
    const db = new SQLite(template);
    db.exec('ANALYZE');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return {
      fleet,
      async copy(run) {
        const file = join(dir, `${run}.db`);
        copyFileSync(template, file);
        return { url: `sqlite:${file}`, drop: async () => ['', '-wal', '-shm'].forEach((s) => rmSync(file + s, { force: true })) };
      },
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const template = `wisp_ab_template_${sims}`;
  await onServer(o.bench.pgUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${template}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${template}"`);
  });
  log(`generating ${sims} SIMs with A's code into ${template}`);
  const fleet = await generateWithA(o.a, databaseOn(o.bench.pgUrl, template), sims);
  await onServer(databaseOn(o.bench.pgUrl, template), (c) => c.query('VACUUM ANALYZE'));
  return {
    fleet,
    async copy(run) {
      const name = `wisp_ab_${run}`;
      await onServer(o.bench.pgUrl, async (c) => {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
        await c.query(`CREATE DATABASE "${name}" TEMPLATE "${template}"`);
      });
      return { url: databaseOn(o.bench.pgUrl, name), drop: () => dropDatabase(o.bench.pgUrl, name) };
    },
    drop: () => dropDatabase(o.bench.pgUrl, template),
  };
}

function startWispIn(dir: string, databaseUrl: string, role: 'all' | 'api' | 'worker') {
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    PORT: '0',
    HOST: '127.0.0.1',
    WISP_DEMO: '0',
    WISP_ADMIN_TOKEN: ADMIN_TOKEN,
    LOG_LEVEL: 'warn',
    WISP_WORKER_CONCURRENCY: '128',
    WISP_ROLE: role,
    WISP_WORKER_POLL_MS: role === 'worker' ? '10' : '250',
  };
  return startProcess(['--import', 'tsx', 'src/main.ts'], env, role === 'worker' ? /Wisp worker started/ : /Wisp is serving on (http:\/\/\S+)/, 120_000, dir);
}

/** PostgreSQL's own counters for one database: transactions and rows (pg_stat_database). */
type DatabaseCounters = Record<'commits' | 'rollbacks' | 'inserted' | 'updated' | 'deleted' | 'read', number>;

async function countersOf(databaseUrl: string): Promise<DatabaseCounters> {
  // Backends report their counters when they finish; the servers have stopped by now.
  await new Promise((done) => setTimeout(done, 1500));
  return onServer(databaseUrl, async (c) => {
    const { rows } = await c.query(`select xact_commit as commits, xact_rollback as rollbacks, tup_inserted as inserted, tup_updated as updated,
      tup_deleted as deleted, tup_returned + tup_fetched as read from pg_stat_database where datname = current_database()`);
    return Object.fromEntries(Object.entries(rows[0] as Record<string, string>).map(([k, v]) => [k, Number(v)])) as DatabaseCounters;
  });
}

interface RunResult {
  scenarios: Partial<Record<ScenarioName, ScenarioResult>>;
  database?: DatabaseCounters;
}

/** One run: a fresh copy of the fleet, Wisp from `dir` on it, each scenario once. */
async function runOnce(dir: string, databaseUrl: string, fleet: Fleet, o: AbOptions): Promise<RunResult> {
  const needsSplit = o.split && o.bench.scenarios.includes('status-change');
  const worker = needsSplit ? await startWispIn(dir, databaseUrl, 'worker') : null;
  const wisp = await startWispIn(dir, databaseUrl, needsSplit ? 'api' : 'all');
  try {
    const master = fleet.accounts[0];
    const target: Target = {
      url: wisp.ready[1],
      pids: worker ? [wisp.pid, worker.pid] : [wisp.pid],
      authorization: 'Basic ' + Buffer.from(`${master.sid}:${master.authToken}`).toString('base64'),
      adminToken: ADMIN_TOKEN,
      databaseCpuMs: o.store === 'postgres' ? async () => postgresServerCpuMs() : undefined,
    };
    const samples = await discover(target, { sids: 10_000, active: o.bench.changes });
    if (o.bench.scenarios.includes('status-change')) await warmUpStatusChanges(target, samples, o.bench);
    if (o.store === 'postgres') await onServer(databaseUrl, (c) => c.query('VACUUM ANALYZE'));
    const before = o.store === 'postgres' ? await countersOf(databaseUrl) : null;
    const result: RunResult = { scenarios: {} };
    for (const scenario of o.bench.scenarios) {
      // The console's page timings are not a CPU cost per request to compare, nor is a bulk batch (bench/bulk.ts).
      if (scenario === 'console' || scenario === 'bulk') continue;
      result.scenarios[scenario] = scenario === 'status-change' ? await runStatusChanges(target, samples, o.bench) : await runScenario(scenario, target, samples, o.bench);
    }
    await wisp.stop();
    await worker?.stop();
    if (before) {
      const after = await countersOf(databaseUrl);
      result.database = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof DatabaseCounters]])) as DatabaseCounters;
    }
    return result;
  } finally {
    await wisp.stop();
    await worker?.stop();
  }
}

const commitOf = (dir: string) => execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const cost = (r: ScenarioResult | undefined) => (r ? r.serverCpuUsPerRequest + (r.databaseCpuUsPerRequest ?? 0) : NaN);

async function main(): Promise<void> {
  const o = readAbOptions(process.argv.slice(2));
  for (const dir of [o.a, o.b]) if (!existsSync(join(dir, 'src', 'main.ts'))) throw new Error(`${dir} is not a Wisp checkout`);
  const template = await prepareTemplate(o);
  const runs: { round: number; side: 'A' | 'B'; result: RunResult }[] = [];
  try {
    await runRounds(o, template, runs);
  } finally {
    await template.drop();
  }
  report(o, runs);
}

async function runRounds(o: AbOptions, template: Template, runs: { round: number; side: 'A' | 'B'; result: RunResult }[]): Promise<void> {
  for (let round = 1; round <= o.rounds; round++) {
    for (const side of round % 2 === 1 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
      const copy = await template.copy(`${process.pid}_${round}_${side.toLowerCase()}`);
      try {
        const result = await runOnce(side === 'A' ? o.a : o.b, copy.url, template.fleet, o);
        runs.push({ round, side, result });
        if (result.database) log(`round ${round} ${side} PostgreSQL counters over the run: ${JSON.stringify(result.database)}`);
        for (const [name, r] of Object.entries(result.scenarios)) {
          log(`round ${round} ${side} ${name}: ${r.serverCpuUsPerRequest} µs Wisp${r.databaseCpuUsPerRequest !== undefined ? ` + ${r.databaseCpuUsPerRequest} µs PostgreSQL` : ''} per request${r.endToEnd ? `, ${r.endToEnd.perSecond}/s end to end, ${r.endToEnd.missing} missing` : `, ${r.rps} req/s`}`);
        }
      } finally {
        await copy.drop();
      }
    }
  }
}

function report(o: AbOptions, runs: { round: number; side: 'A' | 'B'; result: RunResult }[]): void {
  const summary: Record<string, unknown> = {};
  for (const scenario of o.bench.scenarios) {
    const of = (side: 'A' | 'B', pick: (r: ScenarioResult | undefined) => number) => runs.filter((r) => r.side === side).map((r) => pick(r.result.scenarios[scenario]));
    const ratios = Array.from({ length: o.rounds }, (_, i) => {
      const [a, b] = (['A', 'B'] as const).map((side) => cost(runs.find((r) => r.round === i + 1 && r.side === side)?.result.scenarios[scenario]));
      return b / a;
    });
    summary[scenario] = { a: of('A', cost), b: of('B', cost), aWisp: of('A', (r) => r?.serverCpuUsPerRequest ?? NaN), bWisp: of('B', (r) => r?.serverCpuUsPerRequest ?? NaN), ratios, medianRatio: median(ratios) };
    log(`${scenario}: CPU per request (Wisp + database) A ${median(of('A', cost))} µs, B ${median(of('B', cost))} µs; B/A per round ${ratios.map((x) => x.toFixed(2)).join(', ')}; median ${median(ratios).toFixed(3)}`);
  }
  const out = join(ROOT, 'bench', 'results', 'ab', `${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}-${o.store}${o.split ? '-split' : ''}.json`);
  mkdirSync(join(ROOT, 'bench', 'results', 'ab'), { recursive: true });
  writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), a: commitOf(o.a), b: commitOf(o.b), store: o.store, split: o.split, options: o.bench, summary, runs }, null, 2));
  log(`results: ${out}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`ab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
