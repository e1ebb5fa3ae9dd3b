// Benchmark settings, from flags (`npm run bench -- --sims 20000 --duration 5`) or the
// environment (BENCH_SIMS=20000). Flags win.

export const SCENARIOS = ['fetch', 'list-first', 'list-deep', 'update-name', 'status-change', 'console', 'bulk'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
export type StoreName = 'sqlite' | 'postgres';

export interface BenchOptions {
  /** SIMs in the generated fleet. */
  sims: number;
  /** Seconds each measured scenario runs. */
  duration: number;
  /** Seconds of unmeasured load before each scenario. */
  warmup: number;
  /** Concurrent HTTP connections. */
  connections: number;
  stores: StoreName[];
  scenarios: ScenarioName[];
  /** Seconds of mixed load per store while the server's memory is sampled (0: none). */
  soak: number;
  /** Status changes in the status-change scenario. */
  changes: number;
  /** The simulated operator's latency during the status-change scenario. */
  operatorLatencyMs: number;
  /** The PostgreSQL server the bench creates its database on. */
  pgUrl: string;
  /** Generate the fleet again even when one of this size exists. */
  fresh: boolean;
  /** Also run the usage-records scenario (bench/usage.ts), with as many data sessions as SIMs. */
  usage: boolean;
  /** Write V8 CPU profiles of the server under test to bench/profiles. */
  profile: boolean;
  /** Where the JSON results go (default bench/results/<date>-<sims>-sims.json). */
  out: string | null;
  /** The name of the generated fleet's database (and SQLite file), before its size. */
  fleetName: string;
  /** SIMs in the bulk scenario's batch. */
  bulkSims: number;
}

const HELP = `npm run bench -- [options]
  --sims N            SIMs in the fleet (BENCH_SIMS, default 1000000)
  --duration S        seconds per scenario (BENCH_DURATION, default 30)
  --warmup S          unmeasured seconds before each scenario (BENCH_WARMUP, default 3)
  --connections N     concurrent connections (BENCH_CONNECTIONS, default 10)
  --stores LIST       sqlite,postgres (BENCH_STORES, default both)
  --scenarios LIST    ${SCENARIOS.join(',')} (BENCH_SCENARIOS, default all);
                      status-change runs again at the end with an api and a worker process;
                      console times each page of the web console (server time, one request at a time);
                      bulk runs a batch of --bulk-sims SIMs end to end on a database of its own (bench/bulk.ts)
  --bulk-sims N       SIMs in the bulk scenario's batch (BENCH_BULK_SIMS, default 100000)
  --soak S            seconds of mixed load while memory is watched (BENCH_SOAK, default 10 x duration, at most 300; 0 skips)
  --changes N         status changes to make (BENCH_CHANGES, default 20000)
  --operator-latency MS  simulated operator latency during status changes (BENCH_OPERATOR_LATENCY_MS, default 20)
  --pg-url URL        PostgreSQL server (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
  --no-usage          skip the usage-records scenario (bench/usage.ts; BENCH_USAGE=0)
  --fresh             generate the fleet again even if one of this size exists
  --profile           write CPU profiles of the server under test to bench/profiles
  --out FILE          results file (default bench/results/<date>-<sims>-sims.json)
  --fleet-name NAME   the fleet's database name and SQLite file, before its size (BENCH_FLEET_NAME, default wisp_bench)`;

function flags(argv: string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      console.log(HELP);
      process.exit(0);
    }
    if (!arg.startsWith('--')) throw new Error(`unexpected argument "${arg}"\n${HELP}`);
    const [name, inline] = arg.slice(2).split('=', 2);
    if (name === 'fresh' || name === 'profile' || name === 'no-usage') map.set(name, 'true');
    else if (inline !== undefined) map.set(name, inline);
    else if (i + 1 < argv.length) map.set(name, argv[++i]);
    else throw new Error(`--${name} needs a value`);
  }
  return map;
}

function number(value: string | undefined, name: string, fallback: number, min: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value.replace(/_/g, ''));
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of at least ${min}, got "${value}"`);
  return n;
}

function list<T extends string>(value: string | undefined, name: string, allowed: readonly T[]): T[] {
  if (!value) return [...allowed];
  const items = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const item of items) if (!allowed.includes(item as T)) throw new Error(`${name}: unknown "${item}"; choose from ${allowed.join(', ')}`);
  return items as T[];
}

function fleetName(value: string): string {
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(value)) throw new Error(`--fleet-name must be lowercase letters, digits and _, got "${value}"`);
  return value;
}

export function readOptions(argv: string[], env: NodeJS.ProcessEnv): BenchOptions {
  const f = flags(argv);
  const get = (flag: string, envName: string) => f.get(flag) ?? env[envName];
  const duration = number(get('duration', 'BENCH_DURATION'), '--duration', 30, 1);
  return {
    sims: Math.floor(number(get('sims', 'BENCH_SIMS'), '--sims', 1_000_000, 100)),
    duration,
    warmup: number(get('warmup', 'BENCH_WARMUP'), '--warmup', 3, 0),
    connections: Math.floor(number(get('connections', 'BENCH_CONNECTIONS'), '--connections', 10, 1)),
    stores: list(get('stores', 'BENCH_STORES'), '--stores', ['sqlite', 'postgres'] as const),
    scenarios: list(get('scenarios', 'BENCH_SCENARIOS'), '--scenarios', SCENARIOS),
    soak: number(get('soak', 'BENCH_SOAK'), '--soak', Math.min(300, duration * 10), 0),
    changes: Math.floor(number(get('changes', 'BENCH_CHANGES'), '--changes', 20_000, 1)),
    operatorLatencyMs: number(get('operator-latency', 'BENCH_OPERATOR_LATENCY_MS'), '--operator-latency', 20, 0),
    pgUrl: get('pg-url', 'BENCH_DATABASE_URL') ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    fresh: f.get('fresh') === 'true' || env.BENCH_FRESH === '1',
    usage: f.get('no-usage') !== 'true' && env.BENCH_USAGE !== '0',
    profile: f.get('profile') === 'true' || env.BENCH_PROFILE === '1',
    out: f.get('out') ?? env.BENCH_OUT ?? null,
    fleetName: fleetName(f.get('fleet-name') ?? env.BENCH_FLEET_NAME ?? 'wisp_bench'),
    bulkSims: Math.floor(number(get('bulk-sims', 'BENCH_BULK_SIMS'), '--bulk-sims', 100_000, 100)),
  };
}
