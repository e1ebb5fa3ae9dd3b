import twilio from 'twilio';
import { loadConfig } from '../../src/config.js';
import { createWisp, type Wisp, type WispOptions } from '../../src/app.js';
import { withCheckDigit } from '../../src/domain/iccid.js';
import { ValidatingRequestClient } from './sdk.js';
import { createTestDatabaseUrl } from './database.js';

export interface TestServer {
  wisp: Wisp;
  url: string;
  accountSid: string;
  authToken: string;
  adminToken: string;
  /** An official SDK client pointed at this server. */
  client(user?: string, secret?: string, accountSid?: string): twilio.Twilio;
  /** Plain HTTP with Basic auth; `form` is sent form-encoded. */
  request(method: string, path: string, options?: { form?: Record<string, string | string[]>; auth?: [string, string] | null }): Promise<{ status: number; headers: Headers; body: any }>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** Adds SIM cards to the inventory and returns their ICCIDs and codes. */
  stockSims(count: number): Promise<{ iccid: string; code: string }[]>;
  close(): Promise<void>;
}

let iccidCounter = 0;

/** A unique, valid ICCID for this process. */
export function freshIccid(): string {
  iccidCounter += 1;
  const body = `8901${String(process.pid % 100000).padStart(5, '0')}${String(Date.now() % 100000).padStart(5, '0')}${String(iccidCounter).padStart(5, '0')}`;
  return withCheckDigit(body.slice(0, 19));
}

/**
 * Starts a Wisp with its own empty database on a free port: SQLite, or a fresh PostgreSQL
 * database when TEST_DATABASE_URL is set (see database.ts).
 */
export async function startServer(env: Record<string, string> = {}, options: WispOptions = {}): Promise<TestServer> {
  const database = await createTestDatabaseUrl();
  let wisp: Wisp;
  try {
    const config = loadConfig({
      DATABASE_URL: database.url,
      WISP_DEMO: '0',
      PORT: '0',
      HOST: '127.0.0.1',
      WISP_ADMIN_TOKEN: 'test-admin-token-0123456789abcdef',
      ...env,
    });
    wisp = await createWisp(config, { logger: false, ...options });
  } catch (error) {
    await database.cleanup();
    throw error;
  }
  await wisp.app.listen({ port: 0, host: '127.0.0.1' });
  const address = wisp.app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  const accountSid = wisp.master.sid;
  const authToken = wisp.master.auth_token;

  const server: TestServer = {
    wisp,
    url,
    accountSid,
    authToken,
    adminToken: wisp.adminToken,
    client(user = accountSid, secret = authToken, actAs?: string) {
      const c = twilio(user, secret, { accountSid: actAs ?? (user.startsWith('AC') ? user : undefined), httpClient: new ValidatingRequestClient() });
      c.wireless.baseUrl = url;
      c.api.baseUrl = url;
      c.monitor.baseUrl = url;
      return c;
    },
    async request(method, path, { form, auth = [accountSid, authToken] } = {}) {
      const headers: Record<string, string> = {};
      if (auth) headers.authorization = 'Basic ' + Buffer.from(`${auth[0]}:${auth[1]}`).toString('base64');
      let body: string | undefined;
      if (form) {
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(form)) for (const item of Array.isArray(v) ? v : [v]) qs.append(k, item);
        body = qs.toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
    },
    async admin(method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${wisp.adminToken}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async stockSims(count) {
      const cards = Array.from({ length: count }, (_, i) => ({ iccid: freshIccid(), code: `CODE${i}${Math.random().toString(36).slice(2, 8)}` }));
      for (let i = 0; i < cards.length; i += 5000) {
        const res = await server.admin('POST', '/admin/v1/Inventory/Sims', {
          sims: cards.slice(i, i + 5000).map((c) => ({ iccid: c.iccid, registration_code: c.code })),
        });
        if (res.status !== 200 || res.body.rejected.length > 0) throw new Error(`stocking failed: ${JSON.stringify(res.body)}`);
      }
      return cards;
    },
    async close() {
      await wisp.close();
      await database.cleanup();
    },
  };
  return server;
}
