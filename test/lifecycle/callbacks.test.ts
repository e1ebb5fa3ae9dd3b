import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestServer } from '../helpers/server.js';
import { type Receiver, assertCallback, assertSigned, newSim, settledAt, simAt, simNow, startFastServer, startReceiver, until } from '../helpers/lifecycle.js';

const DAY = 86_400;

describe('status callbacks', () => {
  let server: TestServer;
  let hook: Receiver;
  before(async () => {
    server = await startFastServer();
    // /flaky fails twice, then succeeds; /down always fails.
    hook = await startReceiver((req, seen) => (req.path === '/down' || (req.path === '/flaky' && seen <= 2) ? 500 : 200));
  });
  after(async () => {
    await server.close();
    await hook.close();
  });

  it('calls back at ready and again at active for new → ready (POST, signed)', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'new');
    await client.wireless.v1.sims(sid).update({ uniqueName: 'tracker-cb-1' });
    await client.wireless.v1.sims(sid).update({ status: 'ready', callbackUrl: `${hook.url}/ready-then-active` });
    const [first] = await hook.waitFor('/ready-then-active', 1);
    const sim = await simNow(server, sid);
    assert.equal(sim.status, 'ready');
    assert.equal(first.method, 'POST');
    assert.match(String(first.headers['content-type']), /application\/x-www-form-urlencoded/);
    assertSigned(first, server.authToken);
    assertCallback(first, sim, 'ready');

    // Three months later the SIM becomes active by itself, and the same URL hears of it.
    const moved = await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 93 * DAY });
    assert.equal(moved.status, 200);
    assert.equal((await simNow(server, sid)).status, 'active');
    const [, second] = await hook.waitFor('/ready-then-active', 2);
    assertSigned(second, server.authToken);
    assertCallback(second, await simNow(server, sid), 'active');
    assert.equal(hook.at('/ready-then-active').length, 2, 'exactly two callbacks');
  });

  it('calls back at deactivated and again at canceled, with GET and a query string', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await client.wireless.v1.sims(sid).update({ status: 'deactivated', callbackUrl: `${hook.url}/gone?tag=a%20b`, callbackMethod: 'GET' });
    const [first] = await hook.waitFor('/gone', 1);
    assert.equal(first.method, 'GET');
    assert.equal(first.params.tag, 'a b', 'the URL keeps its own query');
    assertSigned(first, server.authToken);
    const { tag: _tag, ...params } = first.params;
    assertCallback({ ...first, params }, await simNow(server, sid), 'deactivated');

    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 72 * 3600 + 1 });
    assert.equal((await simNow(server, sid)).status, 'canceled');
    const [, second] = await hook.waitFor('/gone', 2);
    assert.equal(second.method, 'GET');
    assertSigned(second, server.authToken);
    assert.equal(second.params.SimStatus, 'canceled');
  });

  it('calls back once, at the final status, for other moves and for a plan change', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await client.wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/once` });
    await hook.waitFor('/once', 1);
    const plan = await client.wireless.v1.ratePlans.create({});
    await client.wireless.v1.sims(sid).update({ ratePlan: plan.sid, callbackUrl: `${hook.url}/plan` });
    const [planCallback] = await hook.waitFor('/plan', 1);
    assertCallback(planCallback, await simNow(server, sid), 'suspended');
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 1 });
    assert.equal(hook.at('/once').length, 1);
    assert.equal(hook.at('/once')[0].params.SimStatus, 'suspended');
  });

  it("signs with the owning subaccount's auth token", async () => {
    const master = server.client();
    const sub = await master.api.v2010.accounts.create({ friendlyName: 'callback owner' });
    const subClient = server.client(sub.sid, sub.authToken);
    const sid = await newSim(server);
    await master.wireless.v1.sims(sid).update({ accountSid: sub.sid });
    const plan = await subClient.wireless.v1.ratePlans.create({});
    await subClient.wireless.v1.sims(sid).update({ ratePlan: plan.sid, status: 'active', callbackUrl: `${hook.url}/sub` });
    const [request] = await hook.waitFor('/sub', 1);
    assertSigned(request, sub.authToken);
    assert.equal(request.params.AccountSid, sub.sid);
  });

  it('retries a failing callback with backoff until it is delivered, and shows every attempt', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await client.wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/flaky` });
    await hook.waitFor('/flaky', 3);
    const listed = await until(
      'the delivery is recorded as delivered',
      async () => (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}`)).body,
      (body) => body.callbacks[0]?.state === 'delivered',
    );
    const [delivery] = listed.callbacks;
    assert.equal(delivery.attempts, 3);
    assert.equal(delivery.response.status, 200);
    assert.equal(delivery.request.method, 'POST');
    assert.equal(delivery.request.url, `${hook.url}/flaky`);
    assert.equal(delivery.request.params.SimStatus, 'suspended');
    assert.ok(delivery.first_attempt_at <= delivery.last_attempt_at);
    assert.equal(typeof delivery.response.duration_ms, 'number');
    assert.equal(delivery.next_attempt_at, null);
    // All three tries carried the same idempotency token, so a receiver can tell repeats apart.
    const tokens = new Set(hook.at('/flaky').map((r) => r.headers['i-twilio-idempotency-token']));
    assert.equal(tokens.size, 1);
  });

  it('gives up after the last attempt: the delivery is dead, and a replay sends it again', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await client.wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/down` });
    const dead = await until(
      'the delivery dies',
      async () => (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}&state=dead`)).body,
      (body) => body.callbacks.length === 1,
    );
    const [delivery] = dead.callbacks;
    assert.equal(delivery.attempts, 3, 'WISP_CALLBACK_MAX_ATTEMPTS tries');
    assert.equal(delivery.response.status, 500);
    assert.equal(hook.at('/down').length, 3);
    const job = (await server.admin('GET', `/admin/v1/Jobs?sim_sid=${sid}&state=dead`)).body.jobs;
    assert.equal(job.length, 1);
    assert.equal(job[0].kind, 'callback.deliver');

    const replay = await server.admin('POST', `/admin/v1/Callbacks/${delivery.id}/Replay`);
    assert.equal(replay.status, 201);
    assert.equal(replay.body.replay_of, delivery.id);
    assert.deepEqual(replay.body.request, delivery.request);
    await hook.waitFor('/down', 4);
    assertSigned(hook.at('/down')[3], server.authToken);
    const missing = await server.admin('POST', '/admin/v1/Callbacks/999999/Replay');
    assert.equal(missing.status, 404);
  });

  it('lists deliveries newest first, filtered by Sim and paged with `before`', async () => {
    const client = server.client();
    const { sid } = await simAt(server, 'active');
    await client.wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/list-1` });
    await settledAt(server, sid, 'suspended');
    await client.wireless.v1.sims(sid).update({ status: 'active', callbackUrl: `${hook.url}/list-2` });
    await settledAt(server, sid, 'active');
    const all = (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}`)).body.callbacks;
    assert.deepEqual(all.map((c: { request: { url: string } }) => c.request.url), [`${hook.url}/list-2`, `${hook.url}/list-1`]);
    assert.ok(all.every((c: { sim_sid: string }) => c.sim_sid === sid));
    const first = (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}&limit=1`)).body;
    assert.equal(first.callbacks.length, 1);
    const second = (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}&limit=1&before=${first.next_before}`)).body;
    assert.equal(second.callbacks[0].id, all[1].id);
    const bad = await server.admin('GET', '/admin/v1/Callbacks?limit=0');
    assert.equal(bad.status, 400);
    const noAuth = await fetch(`${server.url}/admin/v1/Callbacks`);
    assert.equal(noAuth.status, 401);
  });
});

describe('callback endpoints that misbehave', () => {
  let server: TestServer;
  let endpoint: Server;
  let url: string;
  before(async () => {
    server = await startFastServer({ WISP_CALLBACK_TIMEOUT_MS: '200', WISP_CALLBACK_MAX_ATTEMPTS: '2' });
    // /silent takes the request and never answers; /moved redirects to a URL that would succeed.
    endpoint = createServer((req, res) => {
      if (req.url?.startsWith('/moved')) res.writeHead(302, { location: '/fine' }).end();
      else if (req.url?.startsWith('/fine')) res.writeHead(200).end();
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
  });
  after(async () => {
    await server.close();
    endpoint.closeAllConnections();
    await new Promise((resolve) => endpoint.close(resolve));
  });

  const deadDelivery = async (sid: string) =>
    (await until(
      'the delivery dies',
      async () => (await server.admin('GET', `/admin/v1/Callbacks?sim_sid=${sid}&state=dead`)).body,
      (body) => body.callbacks.length === 1,
    )).callbacks[0];

  it('gives up on an endpoint that does not answer within WISP_CALLBACK_TIMEOUT_MS', async () => {
    const { sid } = await simAt(server, 'active');
    await server.client().wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${url}/silent` });
    const delivery = await deadDelivery(sid);
    assert.equal(delivery.attempts, 2);
    assert.equal(delivery.response.status, null);
    assert.equal(delivery.response.error, 'no answer within 200 ms');
    assert.equal((await simNow(server, sid)).status, 'suspended', 'the change itself stands');
  });

  it('does not follow redirects: a 3xx answer is a failed attempt', async () => {
    const { sid } = await simAt(server, 'active');
    await server.client().wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${url}/moved` });
    const delivery = await deadDelivery(sid);
    assert.equal(delivery.response.status, 302);
  });
});
