import type { Fleet } from './fleet.js';

// The console's pages at scale: each page is asked for in turn, one request at a time, by a
// signed-in session, and the server's own time for it (its Server-Timing header: from the
// request's arrival to the last byte handed to the socket) is recorded, with the time the
// client waited. The target: every page under 50 ms of server time.

export interface ConsolePageResult {
  page: string;
  path: string;
  requests: number;
  serverP50: number;
  serverP95: number;
  serverMax: number;
  wallP50: number;
  bytes: number;
}

export interface ConsoleBenchResult {
  pages: ConsolePageResult[];
  /** The slowest page's p95 server time. */
  worstP95: number;
}

const REPEATS = 30;
const WARMUP = 3;

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const round = (n: number) => Math.round(n * 10) / 10;

/** Signs in through the console's own form; returns the session cookie. */
async function signIn(url: string, fields: Record<string, string>): Promise<string> {
  const form = await fetch(`${url}/console/sign-in`);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1];
  const cookie = form.headers.getSetCookie().find((c) => c.startsWith('wisp_console_signin='))?.split(';')[0];
  if (!token || !cookie) throw new Error('the console sign-in page has no form token');
  const res = await fetch(`${url}/console/sign-in`, { method: 'POST', body: new URLSearchParams({ _csrf: token, ...fields }), headers: { cookie }, redirect: 'manual' });
  const session = res.headers.getSetCookie().find((c) => c.startsWith('wisp_console='))?.split(';')[0];
  if (res.status !== 303 || !session) throw new Error(`console sign-in failed: ${res.status}`);
  return session;
}

async function measure(url: string, cookie: string, page: string, paths: string[]): Promise<ConsolePageResult> {
  const server: number[] = [];
  const wall: number[] = [];
  let bytes = 0;
  for (let i = 0; i < WARMUP + REPEATS; i++) {
    const path = paths[i % paths.length];
    const started = performance.now();
    const res = await fetch(url + path, { headers: { cookie } });
    const body = await res.arrayBuffer();
    const took = performance.now() - started;
    if (res.status !== 200) throw new Error(`console ${page}: GET ${path} answered ${res.status}`);
    const dur = Number(/dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1] ?? NaN);
    if (i < WARMUP) continue;
    server.push(dur);
    wall.push(took);
    bytes = body.byteLength;
  }
  server.sort((a, b) => a - b);
  wall.sort((a, b) => a - b);
  return { page, path: paths[0], requests: REPEATS, serverP50: round(quantile(server, 0.5)), serverP95: round(quantile(server, 0.95)), serverMax: round(server[server.length - 1]), wallP50: round(quantile(wall, 0.5)), bytes };
}

/** A key deep in the master's created order: the newest first page's first key, less a few thousand. */
async function deepKey(url: string, cookie: string): Promise<string> {
  const res = await fetch(`${url}/console/sims?sort=newest&size=25`, { headers: { cookie } });
  const text = (await res.text()).replace(/&#x3D;/g, '=').replace(/&#x2F;/g, '/').replace(/&amp;/g, '&');
  const key = /[?&]after=(\d+)/.exec(text)?.[1];
  if (!key) throw new Error('no page key on the fleet page');
  return String(Math.max(1, Number(key) - 50_000));
}

export async function runConsolePages(url: string, fleet: Fleet, adminToken: string, sids: string[]): Promise<ConsoleBenchResult> {
  const master = fleet.accounts[0];
  const account = await signIn(url, { kind: 'account', user: master.sid, secret: master.authToken });
  const operator = await signIn(url, { kind: 'operator', admin_token: adminToken });
  const deep = await deepKey(url, account);
  const some = sids.slice(0, 20);
  const pages: [string, string, string[]][] = [
    ['fleet: first page', account, ['/console/sims']],
    ['fleet: status active', account, ['/console/sims?status=active']],
    ['fleet: a rate plan', account, [`/console/sims?plan=${master.ratePlans[1]}`]],
    ['fleet: ICCID descending', account, ['/console/sims?sort=iccid-desc']],
    ['fleet: a deep page', account, [`/console/sims?after=${deep}`]],
    ['fleet: name search', account, ['/console/sims?q=fleet-9']],
    ['SIM page', account, some.map((sid) => `/console/sims/${sid}`)],
    ['rate plans', account, ['/console/rate-plans']],
    ['accounts', account, ['/console/accounts']],
    ['account and keys', account, [`/console/accounts/${master.sid}`]],
    ['operator: clock & network', operator, ['/console/operator']],
    ['operator: callbacks', operator, ['/console/operator/callbacks']],
    ['operator: jobs', operator, ['/console/operator/jobs']],
    ['operator: device', operator, some.map((sid) => `/console/operator/devices?sim=${sid}`)],
    ['operator: inventory', operator, ['/console/operator/inventory']],
  ];
  const results: ConsolePageResult[] = [];
  for (const [page, cookie, paths] of pages) results.push(await measure(url, cookie, page, paths));
  return { pages: results, worstP95: Math.max(...results.map((r) => r.serverP95)) };
}
