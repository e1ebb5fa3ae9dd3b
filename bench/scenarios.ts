import { createServer, type Server } from 'node:http';
import { load, type LoadResult, type NextRequest } from './load.js';
import { cpuMsOfAll, watchMemory, type MemoryReport } from './processes.js';
import type { BenchOptions, ScenarioName } from './options.js';

// What each scenario asks of a running Wisp, and how it is measured.

export interface Target {
  url: string;
  /** The server's processes: one, or an api and a worker. */
  pids: number[];
  /** Basic auth of the account whose SIMs the scenarios use. */
  authorization: string;
  adminToken: string;
  /** PostgreSQL: CPU milliseconds the database server has used so far (bench/processes.ts). */
  databaseCpuMs?: () => Promise<number>;
}

export interface Samples {
  /** SIDs spread over the whole account, for fetch and update. */
  sids: string[];
  /** PageTokens from the last fifth of the account's active SIMs. */
  deepTokens: { page: number; token: string }[];
  /** Active SIMs, for status changes. */
  activeSids: string[];
  activeCount: number;
}

export interface ScenarioResult extends LoadResult {
  memory: MemoryReport;
  /** The server's own CPU time per request, which other load on the machine does not inflate. */
  serverCpuUsPerRequest: number;
  /** PostgreSQL's CPU time per request (its processes serving this database). */
  databaseCpuUsPerRequest?: number;
  /** Status changes only: from the first request to the last callback. */
  endToEnd?: { changes: number; seconds: number; perSecond: number; callbacks: number; duplicates: number; missing: number };
}

const pick = <T>(items: T[]): T => items[Math.floor(Math.random() * items.length)];

/** A page of `GET /v1/Sims`, as much of it as the bench reads. */
interface SimPage {
  sims: { sid: string }[];
  meta: { next_page_url: string | null };
}

async function getJson(target: Target, path: string): Promise<SimPage> {
  const res = await fetch(target.url + path, { headers: { authorization: target.authorization } });
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as SimPage;
}

/** Walks the account's lists through the API to find SIMs and deep PageTokens to aim at. */
export async function discover(target: Target, wanted: { sids: number; active: number }): Promise<Samples> {
  const sids: string[] = [];
  let seen = 0;
  let total = 0;
  for (let path: string | null = '/v1/Sims?PageSize=1000'; path; ) {
    const body = await getJson(target, path);
    total += body.sims.length;
    for (const sim of body.sims) if (seen++ % 10 === 0) sids.push(sim.sid);
    path = body.meta.next_page_url ? new URL(body.meta.next_page_url).pathname + new URL(body.meta.next_page_url).search : null;
  }
  // Thin the sample to what was asked, evenly over the account.
  const step = Math.max(1, Math.floor(sids.length / wanted.sids));
  const spread = sids.filter((_, i) => i % step === 0);

  const activeSids: string[] = [];
  const tokens: { page: number; token: string }[] = [];
  for (let path: string | null = '/v1/Sims?Status=active&PageSize=100'; path; ) {
    const body = await getJson(target, path);
    for (const sim of body.sims) activeSids.push(sim.sid);
    const next = body.meta.next_page_url ? new URL(body.meta.next_page_url) : null;
    if (next) tokens.push({ page: Number(next.searchParams.get('Page')), token: next.searchParams.get('PageToken') as string });
    path = next ? next.pathname + next.search : null;
  }
  const deep = tokens.slice(Math.floor(tokens.length * 0.8));
  if (total === 0 || deep.length === 0) throw new Error(`the account has too few SIMs to benchmark (${total} SIMs, ${activeSids.length} active)`);
  return { sids: spread, deepTokens: deep.slice(-50), activeSids: activeSids.slice(0, wanted.active), activeCount: activeSids.length };
}

function requestFor(scenario: Exclude<ScenarioName, 'status-change' | 'console' | 'bulk'>, samples: Samples): () => NextRequest {
  let n = 0;
  switch (scenario) {
    case 'fetch':
      return () => ({ path: `/v1/Sims/${pick(samples.sids)}` });
    case 'list-first':
      return () => ({ path: '/v1/Sims?Status=active&PageSize=50' });
    case 'list-deep':
      return () => {
        // Page N of size 50 from a token taken at size 100: the token is a position, any size fits.
        const { page, token } = pick(samples.deepTokens);
        return { path: `/v1/Sims?Status=active&PageSize=50&Page=${page * 2}&PageToken=${encodeURIComponent(token)}` };
      };
    case 'update-name':
      return () => ({ method: 'POST', path: `/v1/Sims/${pick(samples.sids)}`, body: `FriendlyName=Tracker+renamed+${++n}` });
  }
}

/** A mix of the read and write scenarios, as a day's traffic might be. */
function mixed(samples: Samples): () => NextRequest {
  const fetchOne = requestFor('fetch', samples);
  const first = requestFor('list-first', samples);
  const deep = requestFor('list-deep', samples);
  const update = requestFor('update-name', samples);
  return () => {
    const r = Math.random();
    return r < 0.6 ? fetchOne() : r < 0.75 ? first() : r < 0.85 ? deep() : update();
  };
}

const perRequest = (cpuMs: number, requests: number) => (requests > 0 ? Math.round((cpuMs * 1000) / requests) : 0);

async function measured(target: Target, options: BenchOptions, next: () => NextRequest, seconds: number): Promise<ScenarioResult> {
  const base = { url: target.url, connections: options.connections, headers: { authorization: target.authorization }, next };
  if (options.warmup > 0) await load({ ...base, duration: options.warmup });
  const memory = watchMemory(target.pids, Math.max(250, Math.min(5000, seconds * 50)));
  const cpuBefore = cpuMsOfAll(target.pids);
  const dbBefore = await target.databaseCpuMs?.();
  const result = await load({ ...base, duration: seconds });
  const cpu = cpuMsOfAll(target.pids) - cpuBefore;
  const db = dbBefore === undefined ? undefined : perRequest(((await target.databaseCpuMs?.()) ?? 0) - dbBefore, result.requests);
  return { ...result, memory: memory.stop(), serverCpuUsPerRequest: perRequest(cpu, result.requests), databaseCpuUsPerRequest: db };
}

export function runScenario(scenario: Exclude<ScenarioName, 'status-change' | 'console' | 'bulk'>, target: Target, samples: Samples, options: BenchOptions): Promise<ScenarioResult> {
  return measured(target, options, requestFor(scenario, samples), options.duration);
}

export function runSoak(target: Target, samples: Samples, options: BenchOptions): Promise<ScenarioResult> {
  return measured(target, { ...options, warmup: 0 }, mixed(samples), options.soak);
}

interface Receiver {
  url: string;
  arrivals: Map<string, number[]>;
  last: number;
  close(): Promise<void>;
}

/** Counts status callbacks by SIM, as a customer's webhook endpoint would receive them. */
async function startReceiver(): Promise<Receiver> {
  const receiver: Receiver = { url: '', arrivals: new Map(), last: 0, close: async () => {} };
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const params = new URLSearchParams(body);
      const sid = params.get('SimSid') ?? '?';
      const list = receiver.arrivals.get(sid) ?? [];
      list.push(Date.now());
      receiver.arrivals.set(sid, list);
      receiver.last = Date.now();
      response.writeHead(204).end();
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  receiver.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/callbacks`;
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

async function admin(target: Target, method: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(target.url + path, {
    method,
    headers: { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
}

/** Sends `status` to every SIM once, at full speed, with a callback each; returns when all callbacks are in. */
async function changeAll(target: Target, options: BenchOptions, sids: string[], status: string, receiver: Receiver | null) {
  let i = 0;
  const callback = receiver ? `&CallbackUrl=${encodeURIComponent(receiver.url)}&CallbackMethod=POST` : '';
  return load({
    url: target.url,
    connections: options.connections,
    duration: 0,
    amount: sids.length,
    headers: { authorization: target.authorization },
    next: () => ({ method: 'POST', path: `/v1/Sims/${sids[i++ % sids.length]}`, body: `Status=${status}${callback}` }),
  });
}

async function until(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * Suspends `changes` active SIMs, each with a callback, and times the whole way: request, the
 * operator's work, the Sim's final status and the callback's arrival. Afterwards the SIMs are
 * made active again (not measured), so the fleet is the same for the next run.
 */
export async function runStatusChanges(target: Target, samples: Samples, options: BenchOptions): Promise<ScenarioResult> {
  const sids = samples.activeSids;
  const receiver = await startReceiver();
  try {
    await admin(target, 'POST', '/admin/v1/Network', { available: true, latency_ms: options.operatorLatencyMs, failure_rate: 0 });
    const memory = watchMemory(target.pids, 500);
    const cpuBefore = cpuMsOfAll(target.pids);
    const dbBefore = await target.databaseCpuMs?.();
    const started = Date.now();
    const requests = await changeAll(target, options, sids, 'suspended', receiver);
    const settled = await until(() => receiver.arrivals.size >= sids.length, 120_000 + sids.length * 10);
    const seconds = ((settled ? receiver.last : Date.now()) - started) / 1000;
    const report = memory.stop();
    const cpu = cpuMsOfAll(target.pids) - cpuBefore;
    const db = dbBefore === undefined ? undefined : perRequest(((await target.databaseCpuMs?.()) ?? 0) - dbBefore, sids.length);
    let duplicates = 0;
    for (const times of receiver.arrivals.values()) duplicates += times.length - 1;
    const result: ScenarioResult = {
      ...requests,
      memory: report,
      // Everything a change costs the server: the request, the operator's job and the callback.
      serverCpuUsPerRequest: perRequest(cpu, sids.length),
      databaseCpuUsPerRequest: db,
      endToEnd: {
        changes: sids.length,
        seconds,
        perSecond: Math.round(receiver.arrivals.size / seconds),
        callbacks: receiver.arrivals.size,
        duplicates,
        missing: sids.length - receiver.arrivals.size,
      },
    };
    // Put the fleet back as it was, and wait for the operator to finish doing so.
    receiver.arrivals.clear();
    await changeAll(target, options, sids, 'active', receiver);
    await until(() => receiver.arrivals.size >= sids.length, 120_000 + sids.length * 10);
    return result;
  } finally {
    await receiver.close();
  }
}

/**
 * Unmeasured status changes (and back) on a few of the SIMs, so that the job and callback tables
 * hold rows before the database's statistics are taken: a running system's planner sees such
 * tables, not the empty ones of a freshly copied fleet (on which PostgreSQL would cache plans
 * that scan them whole as they grow).
 */
export async function warmUpStatusChanges(target: Target, samples: Samples, options: BenchOptions, count = 1000): Promise<void> {
  await runStatusChanges(target, { ...samples, activeSids: samples.activeSids.slice(0, count) }, options);
}
