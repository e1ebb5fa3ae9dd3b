import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import twilio from 'twilio';
import { ValidatingRequestClient } from './sdk.js';
import type { Launch } from './mount-namespace.js';

// Real Wisp processes (src/main.ts through tsx) on a shared database, for tests of crashes,
// shutdown and split roles.

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const ACCOUNT_SID = 'AC' + 'c0ffee'.repeat(5) + '12';
export const AUTH_TOKEN = 'b0a7'.repeat(8);
export const ADMIN_TOKEN = 'process-test-admin-token-0123456789';

/** Engine settings that make a process's background work quick, so crash tests finish soon. */
export const FAST_ENGINE = {
  WISP_OPERATOR_LATENCY_MS: '15',
  WISP_WORKER_CONCURRENCY: '8',
  WISP_WORKER_POLL_MS: '25',
  WISP_JOB_LEASE_MS: '1500',
  WISP_JOB_BACKOFF_BASE_MS: '50',
  WISP_JOB_BACKOFF_MAX_MS: '400',
};

export interface WispProcess {
  child: ChildProcess;
  /** The HTTP origin; null for a worker, which serves none. */
  url: string | null;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** stdout and stderr so far. */
  output(): string;
}

/** The command that runs Wisp (src/main.ts), as it is or wrapped (mount-namespace.ts). */
export const WISP_COMMAND = { command: process.execPath, args: ['--import', 'tsx', 'src/main.ts'] };

/** Starts a Wisp process and resolves once it serves (or, as a worker, once it runs). */
export async function startWispProcess(databaseUrl: string, env: Record<string, string> = {}, launch: Launch = WISP_COMMAND): Promise<WispProcess> {
  const child = spawn(launch.command, launch.args, {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: '0',
      HOST: '127.0.0.1',
      WISP_DEMO: '0',
      WISP_ACCOUNT_SID: ACCOUNT_SID,
      WISP_AUTH_TOKEN: AUTH_TOKEN,
      WISP_ADMIN_TOKEN: ADMIN_TOKEN,
      LOG_LEVEL: 'error',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string | null>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const serving = /Wisp is serving on (http:\/\/\S+)/.exec(output);
      if (serving) resolve(serving[1]);
      if (/Wisp worker started/.test(output)) resolve(null);
    });
    void exited.then(({ code }) => reject(new Error(`wisp exited (${code}) before it was ready:\n${output}`)));
  });
  return { child, url, exited, output: () => output };
}

/** Ends a process if it still runs (SIGKILL), and waits for it. */
export async function stopProcess(p: WispProcess | null): Promise<void> {
  if (!p) return;
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
  await p.exited;
}

export function clientFor(url: string): twilio.Twilio {
  const client = twilio(ACCOUNT_SID, AUTH_TOKEN, { httpClient: new ValidatingRequestClient() });
  client.wireless.baseUrl = url;
  client.monitor.baseUrl = url;
  client.api.baseUrl = url;
  return client;
}

export async function adminCall(url: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(url + path, {
    method,
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

/** Registers SIM cards (stocked through the admin API) to the master account; returns their SIDs. */
export async function registerThrough(url: string, cards: { iccid: string; registration_code: string }[]): Promise<string[]> {
  const stocked = await adminCall(url, 'POST', '/admin/v1/Inventory/Sims', { sims: cards });
  if (stocked.status !== 200) throw new Error(`stocking failed: ${JSON.stringify(stocked.body)}`);
  const sids: string[] = [];
  for (const card of cards) {
    const res = await fetch(`${url}/v1/Sims`, {
      method: 'POST',
      headers: { authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ Iccid: card.iccid, RegistrationCode: card.registration_code }).toString(),
    });
    if (res.status !== 201) throw new Error(`registration failed: ${await res.text()}`);
    sids.push(((await res.json()) as { sid: string }).sid);
  }
  return sids;
}

/** Runs `work` over `items` with at most `width` at once. */
export async function pool<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}
