import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { startServer, type TestServer } from './server.js';
import type { Sim } from '../../src/domain/models.js';
import type { WispOptions } from '../../src/app.js';

/** Settings that keep the lifecycle engine quick in tests: a fast operator and short backoffs. */
export const FAST_ENGINE: Record<string, string> = {
  WISP_OPERATOR_LATENCY_MS: '5',
  WISP_WORKER_POLL_MS: '20',
  WISP_JOB_BACKOFF_BASE_MS: '30',
  WISP_JOB_BACKOFF_MAX_MS: '120',
  WISP_CALLBACK_MAX_ATTEMPTS: '3',
  WISP_CALLBACK_TIMEOUT_MS: '2000',
};

export function startFastServer(env: Record<string, string> = {}, options: WispOptions = {}): Promise<TestServer> {
  return startServer({ ...FAST_ENGINE, ...env }, options);
}

/** Polls `read` until `done` holds, a bounded number of times; fails with the last value seen. */
export async function until<T>(what: string, read: () => Promise<T>, done: (value: T) => boolean, { tries = 250, intervalMs = 20 } = {}): Promise<T> {
  let value = await read();
  for (let i = 1; i < tries && !done(value); i++) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await read();
  }
  assert.ok(done(value), `${what}; last seen ${JSON.stringify(value)?.slice(0, 2000)}`);
  return value;
}

/** Reads a Sim straight from the store (no wire checks), for polling. */
export async function simNow(server: TestServer, sid: string): Promise<Sim> {
  const sim = await server.wisp.store.sims.get(sid);
  assert.ok(sim, `Sim ${sid} exists`);
  return sim;
}

/** Waits until the Sim's status is `status` and it has no update in flight. */
export function settledAt(server: TestServer, sid: string, status: string): Promise<Sim> {
  return until(`Sim ${sid} reaches ${status}`, () => simNow(server, sid), (s) => s.status === status);
}

export interface Received {
  method: string;
  /** The URL as a receiving application reconstructs it: its own origin plus the request target. */
  url: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** Form fields (POST) or query parameters (GET). */
  params: Record<string, string>;
}

export interface Receiver {
  /** Base URL; append any path. */
  url: string;
  requests: Received[];
  /** Requests made to `path` (exact, without query). */
  at(path: string): Received[];
  /** Waits for at least `count` requests to `path`. */
  waitFor(path: string, count: number): Promise<Received[]>;
  close(): Promise<void>;
}

/**
 * A local HTTP server that records each request. `answer` picks the status code (200 unless it
 * says otherwise), so a test can make a webhook fail.
 */
export async function startReceiver(answer: (req: Received, seen: number) => number = () => 200): Promise<Receiver> {
  const requests: Received[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      const { port } = server.address() as AddressInfo;
      const url = `http://127.0.0.1:${port}${req.url ?? '/'}`;
      const parsed = new URL(url);
      const source = req.method === 'GET' ? parsed.searchParams : new URLSearchParams(body);
      const received: Received = { method: req.method ?? '', url, path: parsed.pathname, headers: req.headers, params: Object.fromEntries(source) };
      requests.push(received);
      res.statusCode = answer(received, requests.filter((r) => r.path === received.path).length);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const at = (path: string) => requests.filter((r) => r.path === path);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    at,
    waitFor: (path, count) =>
      until(`${count} request(s) to ${path}`, async () => at(path), (list) => list.length >= count, { tries: 400 }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Asserts that a received callback carries a valid X-Twilio-Signature for `authToken`. */
export function assertSigned(request: Received, authToken: string): void {
  const signature = request.headers['x-twilio-signature'];
  assert.equal(typeof signature, 'string', 'X-Twilio-Signature is present');
  const params = request.method === 'GET' ? {} : request.params;
  assert.ok(twilio.validateRequest(authToken, signature as string, request.url, params), `signature of ${request.method} ${request.url} validates`);
  assert.ok(!twilio.validateRequest('0'.repeat(32), signature as string, request.url, params), 'another token does not validate it');
}

/** The seven callback parameters, checked for a Sim at a status. */
export function assertCallback(request: Received, sim: { sid: string; account_sid: string; unique_name: string | null }, status: string, error?: { code: number }): void {
  assert.deepEqual(Object.keys(request.params).sort(), ['AccountSid', 'ApiVersion', 'ErrorCode', 'ErrorMessage', 'SimSid', 'SimStatus', 'SimUniqueName']);
  assert.equal(request.params.SimSid, sim.sid);
  assert.equal(request.params.AccountSid, sim.account_sid);
  assert.equal(request.params.SimUniqueName, sim.unique_name ?? '');
  assert.equal(request.params.SimStatus, status);
  assert.equal(request.params.ApiVersion, 'v1');
  if (error) {
    assert.equal(request.params.ErrorCode, String(error.code));
    assert.ok(request.params.ErrorMessage.length > 0, 'ErrorMessage says why');
  } else {
    assert.equal(request.params.ErrorCode, '');
    assert.equal(request.params.ErrorMessage, '');
  }
}

/** Stocks and registers one SIM card to the master account; returns its SID. */
export async function newSim(server: TestServer): Promise<string> {
  const [card] = await server.stockSims(1);
  const res = await server.request('POST', '/v1/Sims', { form: { Iccid: card.iccid, RegistrationCode: card.code } });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body.sid as string;
}

/** A fresh Sim with a new rate plan of the master account, settled at `status`. */
export async function simAt(server: TestServer, status: 'new' | 'ready' | 'active' | 'suspended' | 'deactivated'): Promise<{ sid: string; plan: string }> {
  const client = server.client();
  const sid = await newSim(server);
  const plan = (await client.wireless.v1.ratePlans.create({})).sid;
  await client.wireless.v1.sims(sid).update({ ratePlan: plan });
  await settledAt(server, sid, 'new');
  if (status === 'new') return { sid, plan };
  const first = status === 'suspended' || status === 'deactivated' ? 'active' : status;
  await client.wireless.v1.sims(sid).update({ status: first });
  await settledAt(server, sid, first);
  if (first !== status) {
    await client.wireless.v1.sims(sid).update({ status });
    await settledAt(server, sid, status);
  }
  return { sid, plan };
}

/** The SDK's error for a refused request. */
export async function refusal(work: () => Promise<unknown>): Promise<{ status: number; code: number; message: string }> {
  try {
    await work();
  } catch (error) {
    return error as { status: number; code: number; message: string };
  }
  assert.fail('the request was expected to be refused');
}

/** The `wireless-sim.updated` events of a Sim, oldest first, as (property, previous, updated). */
export async function simEvents(server: TestServer, sid: string, client = server.client()) {
  // The API answers one filter at a time; the event type is picked here.
  const events = (await client.monitor.v1.events.list({ resourceSid: sid })).filter((e) => e.eventType === 'wireless-sim.updated');
  return events.reverse().map((e) => ({
    actorSid: e.actorSid,
    source: e.source,
    sourceIpAddress: e.sourceIpAddress,
    properties: (e.eventData as { resource_properties: Record<string, { previous: unknown; updated: unknown }> }).resource_properties,
  }));
}
