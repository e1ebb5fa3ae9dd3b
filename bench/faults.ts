// Measures the fault targets of docs/reliability.md, outside the test suite (the tests assert
// order and completion; the times are measured here):
//
//   npx tsx bench/faults.ts [--store sqlite|postgres] [--fault-rounds 12] [--fault-gap-ms 5000]
//
// 1. Another account's status change (with its callback) while one account has 64 callback
//    receivers that trickle one byte every 2 s, against the same change with nothing stuck.
// 2. The RSS of this process while a callback answer of 1 GB is cut off at 64 KB.
// 3. PostgreSQL only: how soon service is whole again after its connections are ended, and after
//    it refused connections for a while (database-faults.ts).
// PostgreSQL needs TEST_DATABASE_URL (a server where this may create a database).
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { createWisp, type Wisp } from '../src/app.js';
import { withCheckDigit } from '../src/domain/iccid.js';
import type { Account } from '../src/domain/models.js';
import { measureDatabaseFaults } from './database-faults.js';

const store = process.argv.includes('--store') ? process.argv[process.argv.indexOf('--store') + 1] : 'sqlite';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function database(): Promise<{ url: string; drop(): Promise<void> }> {
  if (store === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'wisp-faults-'));
    return { url: `sqlite:${join(dir, 'wisp.db')}`, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  const server = process.env.TEST_DATABASE_URL;
  if (!server) throw new Error('--store postgres needs TEST_DATABASE_URL');
  const name = `wisp_faults_${process.pid}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    await client.query(sql);
    await client.end();
  };
  await admin(`create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`drop database if exists ${name} with (force)`) };
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

let serial = 0;
async function simsOf(wisp: Wisp, account: Account, count: number): Promise<string[]> {
  const cards = Array.from({ length: count }, () => ({ iccid: withCheckDigit(`8901${String(process.pid).padStart(7, '0')}${String(++serial).padStart(8, '0')}`), registration_code: `BENCH${serial}` }));
  const imported = await wisp.services.inventory.import(cards);
  if (imported.rejected.length > 0) throw new Error(`stocking failed: ${JSON.stringify(imported.rejected[0])}`);
  const caller = { account, credentialAccount: account.owner_account_sid === account.sid ? account : wisp.master, keySid: null };
  const sids: string[] = [];
  for (const card of cards) sids.push((await wisp.services.sims.register(caller, card.iccid, card.registration_code)).sid);
  return sids;
}

async function main(): Promise<void> {
  const db = await database();
  const sockets = new Set<Socket>();
  const trickle = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-length': '1000000' });
    const timer = setInterval(() => res.write('.'), 2000);
    res.on('close', () => clearInterval(timer));
  });
  trickle.on('connection', (s) => (sockets.add(s), s.on('close', () => sockets.delete(s))));
  let arrived: (() => void) | null = null;
  const normal = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.end('ok');
      arrived?.();
    });
  });
  let written = 0;
  const firehose = createServer((req, res) => {
    req.resume();
    res.writeHead(200);
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const pump = () => {
      while (written < 1024 * 1024 * 1024 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  });
  const [slowUrl, normalUrl, bigUrl] = [await listen(trickle), await listen(normal), await listen(firehose)];
  const wisp = await createWisp(loadConfig({ DATABASE_URL: db.url, WISP_DEMO: '0', LOG_LEVEL: 'error', WISP_OPERATOR_LATENCY_MS: '50', WISP_CALLBACK_TIMEOUT_MS: '60000' }), { logger: false });
  try {
    const caller = { account: wisp.master, credentialAccount: wisp.master, keySid: null };
    const slow = await wisp.services.accounts.create(caller, 'slow');
    const fine = await wisp.services.accounts.create(caller, 'fine');
    const slowSims = await simsOf(wisp, slow, 64);
    const fineSims = await simsOf(wisp, fine, 6);
    const change = async (sid: string, url: string) => {
      const started = performance.now();
      const done = new Promise<void>((resolve) => (arrived = resolve));
      await wisp.services.sims.update(caller, sid, { status: 'deactivated', callbackUrl: url, callbackMethod: 'POST' });
      await done;
      return performance.now() - started;
    };
    const baseline = [];
    for (const sid of fineSims.slice(0, 3)) baseline.push(await change(sid, `${normalUrl}/b`));
    for (const sid of slowSims) await wisp.services.sims.update(caller, sid, { status: 'deactivated', callbackUrl: `${slowUrl}/s`, callbackMethod: 'POST' });
    await sleep(2000);
    const stuck = [];
    for (const sid of fineSims.slice(3)) stuck.push(await change(sid, `${normalUrl}/b`));
    const ms = (list: number[]) => list.map((v) => Math.round(v)).join(', ');
    console.log(`[${store}] another account's status change + callback: ${ms(baseline)} ms alone; ${ms(stuck)} ms beside 64 trickling receivers (${sockets.size} of them connected)`);

    const [big] = await simsOf(wisp, fine, 1);
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    const watch = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
    await change(big, `${normalUrl}/warm`).catch(() => undefined);
    arrived = null;
    await wisp.services.sims.update(caller, (await simsOf(wisp, fine, 1))[0], { status: 'deactivated', callbackUrl: `${bigUrl}/big`, callbackMethod: 'POST' });
    for (let i = 0; i < 200; i++) {
      const list = await wisp.services.callbackLog.list({ limit: 1000 });
      if (list.some((c) => c.url.startsWith(bigUrl) && c.state === 'delivered')) break;
      await sleep(50);
    }
    await sleep(500);
    clearInterval(watch);
    console.log(`[${store}] 1 GB callback answer: RSS ${Math.round(before / 1048576)} MB before, peak ${Math.round(peak / 1048576)} MB (+${Math.round((peak - before) / 1048576)} MB); the receiver wrote ${Math.round(written / 1048576)} MB before the connection closed`);

    if (store === 'postgres') {
      const url = await wisp.app.listen({ port: 0, host: '127.0.0.1' });
      await measureDatabaseFaults(wisp, url, await simsOf(wisp, wisp.master, 12), db.url, store);
    }
  } finally {
    for (const s of sockets) s.destroy();
    trickle.close();
    normal.close();
    firehose.closeAllConnections();
    firehose.close();
    await wisp.close();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
