import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type twilio from 'twilio';
import type { TestServer } from '../helpers/server.js';
import { moveSim, registerSims } from '../helpers/sims.js';
import type { Sim } from '../../src/domain/models.js';

type PlanOptions = Parameters<twilio.Twilio['wireless']['v1']['ratePlans']['create']>[0];

/** A fresh Sim of the master account on a new plan, moved to `status` (settled). */
export async function simIn(server: TestServer, status: 'new' | 'ready' | 'active' | 'suspended' | 'deactivated', plan: PlanOptions = {}): Promise<Sim> {
  const client = server.client();
  const [sim] = await registerSims(server, 1);
  if (status === 'new') return sim;
  const ratePlan = await client.wireless.v1.ratePlans.create(plan);
  if (status === 'suspended' || status === 'deactivated') await moveSim(client, sim.sid, 'active', ratePlan.sid);
  await moveSim(client, sim.sid, status, status === 'suspended' || status === 'deactivated' ? undefined : ratePlan.sid);
  return (await server.wisp.store.sims.get(sim.sid)) as Sim;
}

/** Polls `read` until `done` holds (bounded; no timing assertions). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string, tries = 300, intervalMs = 20): Promise<T> {
  let value = await read();
  for (let i = 1; i < tries && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  assert.ok(done(value), `${what}; last seen ${JSON.stringify(value)}`);
  return value;
}

/** The simulated device of a Sim, through the admin API. */
export function deviceOf(server: TestServer, simSid: string) {
  return {
    session: (body: Record<string, unknown>) => server.admin('POST', `/admin/v1/Sims/${simSid}/DataSessions`, body),
    send: (body: Record<string, unknown>) => server.admin('POST', `/admin/v1/Sims/${simSid}/Commands`, body),
    set: (body: Record<string, unknown>) => server.admin('POST', `/admin/v1/Sims/${simSid}/Device`, body),
    get: () => server.admin('GET', `/admin/v1/Sims/${simSid}/Device`),
  };
}

export interface Received {
  method: string;
  /** The full URL the request was made to, as a validator must see it. */
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Form fields (POST) or query parameters (GET). */
  params: Record<string, string>;
}

/** A local HTTP server that records every request it gets and answers 200. */
export async function receiver(): Promise<{ url: string; requests: Received[]; close(): Promise<void> }> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const address = server.address() as AddressInfo;
      const full = new URL(req.url ?? '/', `http://127.0.0.1:${address.port}`);
      const params = req.method === 'GET' ? Object.fromEntries(full.searchParams) : Object.fromEntries(new URLSearchParams(body));
      requests.push({ method: req.method ?? '', url: full.toString(), path: full.pathname, headers: req.headers, params });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
