// Usage at scale: records data sessions through the real service, loads up to a million more,
// then times the usage queries, which read the hourly aggregates only.
//
//   npx tsx bench/usage.ts [--sessions 1000000] [--sims 10000] [--recorded 20000] [--days 30]
//
// DATABASE_URL picks the store (default: a fresh SQLite file in a temporary directory).
// `runUsageBench` is the scenario for bench/run.ts; it returns what it measured.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config.js';
import { createWisp, type Wisp } from '../src/app.js';
import type { Caller } from '../src/domain/caller.js';
import type { DataSession, UsageDelta } from '../src/domain/devices/device-models.js';
import type { Sim } from '../src/domain/models.js';
import { buildRatePlan } from '../src/domain/rate-plans.js';
import { newSid } from '../src/domain/sids.js';
import { withCheckDigit } from '../src/domain/iccid.js';
import { HOUR, DAY, floorTo, resolveSpan } from '../src/domain/devices/usage-periods.js';
import { HOME_NETWORK } from '../src/domain/devices/plan-rules.js';

export interface UsageBenchOptions {
  databaseUrl?: string;
  sessions: number;
  sims: number;
  /** Of `sessions`, how many go through DataSessionService.record (the rest are bulk-loaded). */
  recorded: number;
  days: number;
  /** Times each query runs. */
  repeat: number;
  log?: (line: string) => void;
}

export interface Timing {
  name: string;
  runs: number;
  p50_ms: number;
  p95_ms: number;
  max_ms: number;
}

export interface UsageBenchResult {
  store: string;
  sessions: number;
  sims: number;
  usage_rows_note: string;
  record: { sessions: number; per_second: number; p50_ms: number; p95_ms: number };
  load: { sessions: number; per_second: number };
  queries: Timing[];
  checks: { account_total_bytes: number; expected_total_bytes: number };
}

export const DEFAULTS: UsageBenchOptions = { sessions: 1_000_000, sims: 10_000, recorded: 20_000, days: 30, repeat: 30 };

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

async function time(name: string, runs: number, work: (i: number) => Promise<unknown>): Promise<Timing> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await work(i);
    ms.push(performance.now() - t);
  }
  ms.sort((a, b) => a - b);
  const round = (x: number) => Math.round(x * 100) / 100;
  return { name, runs, p50_ms: round(quantile(ms, 0.5)), p95_ms: round(quantile(ms, 0.95)), max_ms: round(ms[ms.length - 1]) };
}

/** A small deterministic generator, so every run loads the same sessions. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function setUp(wisp: Wisp, count: number, start: number): Promise<{ caller: Caller; sims: Sim[] }> {
  const { store } = wisp;
  const master = wisp.master;
  const caller: Caller = { account: master, credentialAccount: master, keySid: null };
  const plan = buildRatePlan(master.sid, { dataLimit: 2_000_000, nationalRoamingDataLimit: 2_000_000 }, start);
  const sims: Sim[] = [];
  await store.transaction(async (tx) => {
    await tx.ratePlans.insert(plan);
    for (let i = 0; i < count; i++) {
      const iccid = withCheckDigit(`8901999${String(i).padStart(12, '0')}`);
      const sim: Sim = {
        sid: newSid('DE'), account_sid: master.sid, unique_name: null, friendly_name: null, iccid, e_id: null,
        registration_code: `BENCH${i}`, status: 'active', reset_status: null, rate_plan_sid: plan.sid,
        commands_callback_url: null, commands_callback_method: 'POST', sms_url: null, sms_method: 'POST',
        sms_fallback_url: null, sms_fallback_method: 'POST', voice_url: null, voice_method: 'POST',
        voice_fallback_url: null, voice_fallback_method: 'POST', ip_address: null, date_created: start, date_updated: start,
      };
      await tx.sims.insert(sim);
      sims.push(sim);
    }
  });
  return { caller, sims };
}

export async function runUsageBench(options: Partial<UsageBenchOptions> = {}): Promise<UsageBenchResult> {
  const o = { ...DEFAULTS, ...options };
  const log = o.log ?? (() => {});
  const dir = o.databaseUrl ? null : mkdtempSync(join(tmpdir(), 'wisp-bench-usage-'));
  const databaseUrl = o.databaseUrl ?? `sqlite:${join(dir as string, 'wisp.db')}`;
  const config = loadConfig({ DATABASE_URL: databaseUrl, WISP_DEMO: '0', PORT: '0', WISP_ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef' });
  const wisp = await createWisp(config, { logger: false });
  try {
    const { store } = wisp;
    const now = wisp.engine.clock.now();
    const first = floorTo(now, DAY) - o.days * DAY;
    const { caller, sims } = await setUp(wisp, o.sims, first);
    log(`${o.sims} active SIMs on ${store.dialect}`);
    const random = rng(42);
    const pick = () => sims[Math.floor(random() * sims.length)];
    const when = () => first + Math.floor(random() * (o.days * DAY - 2 * HOUR));
    let expected = 0;

    // Through the service: the limit checks, the session row and both scopes' aggregates, one transaction each.
    const recordMs: number[] = [];
    const recordStart = performance.now();
    for (let i = 0; i < o.recorded; i++) {
      const up = 1 + Math.floor(random() * 50_000);
      const down = 1 + Math.floor(random() * 200_000);
      const t = performance.now();
      await wisp.services.dataSessions.record(pick().sid, { bytes_uploaded: up, bytes_downloaded: down, start: when(), duration_seconds: 60 });
      recordMs.push(performance.now() - t);
      expected += up + down;
    }
    const recordSeconds = (performance.now() - recordStart) / 1000;
    recordMs.sort((a, b) => a - b);
    log(`recorded ${o.recorded} sessions in ${recordSeconds.toFixed(1)} s`);

    // The rest are loaded in bulk: the same rows and aggregate additions, many per transaction.
    const bulk = Math.max(0, o.sessions - o.recorded);
    const loadStart = performance.now();
    const BATCH = 20_000;
    for (let done = 0; done < bulk; done += BATCH) {
      const n = Math.min(BATCH, bulk - done);
      await store.transaction(async (tx) => {
        const deltas = new Map<string, Map<number, UsageDelta>>();
        const add = (scope: string, hour: number, up: number, down: number) => {
          let byHour = deltas.get(scope);
          if (!byHour) deltas.set(scope, (byHour = new Map()));
          const d = byHour.get(hour) ?? { hour, zone: 'home' as const, country: '', data_upload: 0, data_download: 0, commands_to_sim: 0, commands_from_sim: 0 };
          d.data_upload += up;
          d.data_download += down;
          byHour.set(hour, d);
        };
        const batch: DataSession[] = [];
        for (let i = 0; i < n; i++) {
          const sim = pick();
          const start = when();
          const up = 1 + Math.floor(random() * 50_000);
          const down = 1 + Math.floor(random() * 200_000);
          const session: DataSession = {
            sid: newSid('WN'), account_sid: sim.account_sid, sim_sid: sim.sid, zone: 'home', ...HOME_NETWORK, radio_link: 'LTE',
            cell_id: null, cell_location_estimate: null, imei: null, bytes_uploaded: up, bytes_downloaded: down,
            packets_uploaded: Math.ceil(up / 1500), packets_downloaded: Math.ceil(down / 1500), start, end: start + 60_000, last_updated: start + 60_000,
          };
          batch.push(session);
          add(sim.sid, floorTo(start, HOUR), up, down);
          add(sim.account_sid, floorTo(start, HOUR), up, down);
          expected += up + down;
        }
        await tx.dataSessions.insertMany(batch);
        for (const [scope, byHour] of deltas) await tx.usage.add(scope, [...byHour.values()]);
      });
      if ((done / BATCH) % 10 === 0) log(`loaded ${done + n} of ${bulk}`);
    }
    const loadSeconds = (performance.now() - loadStart) / 1000;

    // The queries, through the domain and (for the account's month) through HTTP as well.
    const span = (days: number) => resolveSpan(now - days * DAY, now, now);
    const page = (limit: number) => ({ limit });
    const someSim = (i: number) => sims[(i * 7919) % sims.length].sid;
    const queries: Timing[] = [];
    queries.push(await time('sim all, 30 days', o.repeat, (i) => wisp.services.usage.forSim(caller, someSim(i), span(30), 'all', page(50))));
    queries.push(await time('sim daily, 30 days', o.repeat, (i) => wisp.services.usage.forSim(caller, someSim(i), span(30), 'daily', page(50))));
    queries.push(await time('sim hourly, first 1000 hours', o.repeat, (i) => wisp.services.usage.forSim(caller, someSim(i), span(30), 'hourly', page(1000))));
    queries.push(await time('account all, 30 days', o.repeat, () => wisp.services.usage.forAccount(caller, span(30), 'all', page(50))));
    queries.push(await time('account daily, 30 days', o.repeat, () => wisp.services.usage.forAccount(caller, span(30), 'daily', page(50))));
    queries.push(await time('account hourly, 720 hours', o.repeat, () => wisp.services.usage.forAccount(caller, span(30), 'hourly', page(1000))));
    queries.push(await time('account all, 18 months', o.repeat, () => wisp.services.usage.forAccount(caller, span(548), 'all', page(50))));
    queries.push(await time('sim data sessions, first page', o.repeat, (i) => wisp.services.dataSessions.list(caller, someSim(i), {}, page(50))));
    const auth = 'Basic ' + Buffer.from(`${wisp.master.sid}:${wisp.master.auth_token}`).toString('base64');
    queries.push(
      await time('HTTP GET /v1/UsageRecords?Granularity=daily', o.repeat, async () => {
        const res = await wisp.app.inject({ method: 'GET', url: '/v1/UsageRecords?Granularity=daily', headers: { authorization: auth } });
        if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${res.body}`);
      }),
    );

    const all = await wisp.services.usage.forAccount(caller, resolveSpan(first, now, now), 'all', page(1));
    const { home } = all.items[0].usage;
    return {
      store: store.dialect,
      sessions: o.recorded + bulk,
      sims: o.sims,
      usage_rows_note: 'one row per scope (SIM or account), UTC hour and zone with usage',
      record: {
        sessions: o.recorded,
        per_second: Math.round(o.recorded / recordSeconds),
        p50_ms: Math.round(quantile(recordMs, 0.5) * 100) / 100,
        p95_ms: Math.round(quantile(recordMs, 0.95) * 100) / 100,
      },
      load: { sessions: bulk, per_second: Math.round(bulk / Math.max(loadSeconds, 0.001)) },
      queries,
      checks: { account_total_bytes: home.data_upload + home.data_download, expected_total_bytes: expected },
    };
  } finally {
    await wisp.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

function parseArgs(argv: string[]): Partial<UsageBenchOptions> {
  const out: Partial<UsageBenchOptions> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '') as keyof UsageBenchOptions;
    const value = Number(argv[i + 1]);
    if (!['sessions', 'sims', 'recorded', 'days', 'repeat'].includes(key) || !Number.isInteger(value) || value < 0) {
      throw new Error(`usage: tsx bench/usage.ts [--sessions n] [--sims n] [--recorded n] [--days n] [--repeat n]`);
    }
    (out as Record<string, number>)[key] = value;
  }
  return out;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const options = { ...parseArgs(process.argv.slice(2)), databaseUrl: process.env.DATABASE_URL, log: (l: string) => console.error(l) };
  runUsageBench(options).then(
    (result) => {
      console.log(JSON.stringify(result, null, 2));
      if (result.checks.account_total_bytes !== result.checks.expected_total_bytes) {
        console.error('the account total does not match the bytes recorded');
        process.exit(1);
      }
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
