import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { TestServer } from '../helpers/server.js';
import { freshIccid } from '../helpers/server.js';
import { type Receiver, simAt, startFastServer, startReceiver, until } from '../helpers/lifecycle.js';

// /openapi.json against real answers: every operation it describes is called here, with the
// answers a user meets (success, and the usual refusals), and each body is validated against
// the document's schema for that status. The document's objects are closed, so a key an answer
// has and the schema lacks fails here, as does a type or a nullability the schema gets wrong.
// A route added to Wisp's own surfaces without a call here fails the last test.

interface Operation {
  responses: Record<string, { content?: { 'application/json': { schema: object } } }>;
}

describe("/openapi.json describes every answer of Wisp's own API", () => {
  let server: TestServer;
  let hook: Receiver;
  let document: { openapi: string; paths: Record<string, Record<string, Operation>> };
  const validators = new Map<string, ValidateFunction | null>();
  const called = new Set<string>();
  before(async () => {
    // A callback is tried once, so one to a failing receiver dies at once: a dead job to retry.
    server = await startFastServer({ WISP_CALLBACK_MAX_ATTEMPTS: '1' });
    hook = await startReceiver((req) => (req.path === '/down' ? 500 : 200));
    document = await fetch(`${server.url}/openapi.json`).then((r) => r.json());
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    for (const [path, item] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const [status, response] of Object.entries(operation.responses)) {
          const schema = response.content?.['application/json'].schema;
          validators.set(`${method.toUpperCase()} ${path} ${status}`, schema ? ajv.compile(schema) : null);
        }
      }
    }
  });
  after(async () => {
    await hook.close();
    await server.close();
  });

  /**
   * Calls `path` (which fills in `template`), checks the status, and validates the body against
   * the document: with the admin token and a JSON body, or, for a /wisp/v1 extension, with the
   * master's Basic credentials and a form.
   */
  async function call(method: string, template: string, path: string, status: number, body?: unknown): Promise<any> {
    const res = template.startsWith('/wisp/')
      ? await server.request(method, path, { form: body as Record<string, string> | undefined })
      : await server.admin(method, path, body);
    assert.equal(res.status, status, `${method} ${path}: ${JSON.stringify(res.body)}`);
    const key = `${method} ${template.replace(/:(\w+)/g, '{$1}')} ${status}`;
    assert.ok(validators.has(key), `/openapi.json describes ${key}`);
    const validate = validators.get(key);
    if (validate) assert.ok(validate(res.body), `${key}: ${JSON.stringify(validate.errors)}\n${JSON.stringify(res.body).slice(0, 1500)}`);
    else assert.equal(res.body, null, `${key} has no body`);
    called.add(`${method} ${template.replace(/:(\w+)/g, '{$1}')}`);
    return res.body;
  }

  it('is OpenAPI 3.1, so its schemas are JSON Schema', () => {
    assert.equal(document.openapi, '3.1.0');
  });

  it('inventory, devices, data sessions and Commands', async () => {
    const [iccid, bad] = [freshIccid(), freshIccid()];
    const imported = await call('POST', '/admin/v1/Inventory/Sims', '/admin/v1/Inventory/Sims', 200, {
      sims: [{ iccid, registration_code: 'SCHEMA-1', e_id: '1'.repeat(32) }, { iccid: bad, registration_code: 'x' }, { iccid: 42 }],
    });
    assert.equal(imported.rejected.length, 2);
    await call('POST', '/admin/v1/Inventory/Sims', '/admin/v1/Inventory/Sims', 400, { cards: [] });

    const { sid } = await simAt(server, 'active');
    const device = `/admin/v1/Sims/${sid}/Device`;
    await call('GET', '/admin/v1/Sims/:sid/Device', device, 200);
    await call('POST', '/admin/v1/Sims/:sid/Device', device, 200, { imei: '490154203237518', cell_id: null, online: true });
    await call('GET', '/admin/v1/Sims/:sid/Device', `/admin/v1/Sims/DE${'0'.repeat(32)}/Device`, 404);
    await call('POST', '/admin/v1/Sims/:sid/Device', device, 400, { online: 'yes' });

    const sessions = `/admin/v1/Sims/${sid}/DataSessions`;
    await call('POST', '/admin/v1/Sims/:sid/DataSessions', sessions, 201, { bytes_uploaded: 1000, bytes_downloaded: 2000, cell_location_estimate: { lat: 1, lon: 2 } });
    await call('POST', '/admin/v1/Sims/:sid/DataSessions', sessions, 400, { bytes_uploaded: 1 });
    const commands = `/admin/v1/Sims/${sid}/Commands`;
    await call('POST', '/admin/v1/Sims/:sid/Commands', commands, 201, { command: 'ping' });
    await call('POST', '/admin/v1/Sims/:sid/Device', device, 200, { online: false });
    const refused = await call('POST', '/admin/v1/Sims/:sid/Commands', commands, 409, { command: 'ping' });
    assert.deepEqual([refused.code, refused.reason, refused.error_code], ['network_refused', 'device_offline', 30003]);
  });

  it('the clock, the network, callbacks and jobs', async () => {
    await call('GET', '/admin/v1/Clock', '/admin/v1/Clock', 200);
    await call('POST', '/admin/v1/Clock', '/admin/v1/Clock', 200, { advance_seconds: 60 });
    await call('POST', '/admin/v1/Clock', '/admin/v1/Clock', 400, { advance_seconds: 60, now: '2030-01-01T00:00:00Z' });
    await call('GET', '/admin/v1/Network', '/admin/v1/Network', 200);
    await call('POST', '/admin/v1/Network', '/admin/v1/Network', 200, { latency_ms: 5 });
    await call('POST', '/admin/v1/Network', '/admin/v1/Network', 400, { latency_ms: -1 });

    const { sid } = await simAt(server, 'active');
    await server.client().wireless.v1.sims(sid).update({ status: 'suspended', callbackUrl: `${hook.url}/down` });
    const { callbacks } = await until('the callback dies', () => call('GET', '/admin/v1/Callbacks', `/admin/v1/Callbacks?sim_sid=${sid}`, 200), (b) => b.callbacks[0]?.state === 'dead');
    await call('GET', '/admin/v1/Callbacks', '/admin/v1/Callbacks?state=nope', 400);
    await call('GET', '/admin/v1/Callbacks/:id', `/admin/v1/Callbacks/${callbacks[0].id}`, 200);
    await call('GET', '/admin/v1/Callbacks/:id', '/admin/v1/Callbacks/999999999', 404);
    await call('POST', '/admin/v1/Callbacks/:id/Replay', `/admin/v1/Callbacks/${callbacks[0].id}/Replay`, 201);

    const { jobs } = await call('GET', '/admin/v1/Jobs', `/admin/v1/Jobs?sim_sid=${sid}&state=dead&kind=callback.deliver&limit=1`, 200);
    await call('GET', '/admin/v1/Jobs', '/admin/v1/Jobs?limit=0', 400);
    await call('POST', '/admin/v1/Jobs/:id/Retry', `/admin/v1/Jobs/${jobs[0].id}/Retry`, 200);
    await call('POST', '/admin/v1/Jobs/:id/Retry', `/admin/v1/Jobs/${jobs[0].id}/Retry`, 409);
    await call('POST', '/admin/v1/Jobs/:id/Retry', '/admin/v1/Jobs/999999999/Retry', 404);
  });

  it('bulk SIM batches under /wisp/v1', async () => {
    const { sid } = await simAt(server, 'active');
    const preview = await call('POST', '/wisp/v1/SimBatches', '/wisp/v1/SimBatches', 200, { Sims: [sid, 'nobody'], Status: 'suspended', DryRun: 'true' });
    assert.equal(preview.would_apply, 1);
    const batch = await call('POST', '/wisp/v1/SimBatches', '/wisp/v1/SimBatches', 201, { Sims: [sid, 'nobody'], Status: 'suspended', CallbackUrl: `${hook.url}/batch` });
    await call('POST', '/wisp/v1/SimBatches', '/wisp/v1/SimBatches', 400, { Status: 'suspended' });
    const path = `/wisp/v1/SimBatches/${batch.sid}`;
    await until('the batch ends', () => server.request('GET', path), (r) => r.body.status === 'completed');
    await call('GET', '/wisp/v1/SimBatches/:sid', path, 200);
    await call('GET', '/wisp/v1/SimBatches/:sid', '/wisp/v1/SimBatches/WB00000000000000000000000000000000', 404);
    await call('GET', '/wisp/v1/SimBatches', '/wisp/v1/SimBatches?Status=completed', 200);
    await call('GET', '/wisp/v1/SimBatches/:sid/Items', `${path}/Items?Outcome=refused`, 200);
    await call('GET', '/wisp/v1/SimBatches/:sid/Items', `${path}/Items?Outcome=lost`, 400);
    await call('POST', '/wisp/v1/SimBatches/:sid', path, 409, { Status: 'canceled' });
    const queued = await call('POST', '/wisp/v1/SimBatches', '/wisp/v1/SimBatches', 201, { 'Filter.Status': 'suspended', Status: 'active', StartAt: '2999-01-01T00:00:00Z' });
    await call('POST', '/wisp/v1/SimBatches/:sid', `/wisp/v1/SimBatches/${queued.sid}`, 200, { Status: 'canceled' });
    await call('POST', '/wisp/v1/SimBatches/:sid', `/wisp/v1/SimBatches/${queued.sid}`, 400, { Status: 'running' });
  });

  it('snapshots, seeds and reset', async () => {
    await call('POST', '/admin/v1/Snapshots', '/admin/v1/Snapshots', 201, { name: 'schema-check' });
    await call('POST', '/admin/v1/Snapshots', '/admin/v1/Snapshots', 400, { name: '../nope' });
    await call('GET', '/admin/v1/Snapshots', '/admin/v1/Snapshots', 200);
    await call('POST', '/admin/v1/Seed', '/admin/v1/Seed', 201, { ratePlans: [{ uniqueName: 'schema-plan' }], sims: [{ iccid: freshIccid(), ratePlan: 'schema-plan', status: 'ready' }] });
    const refused = await call('POST', '/admin/v1/Seed', '/admin/v1/Seed', 400, { sims: [{ iccid: 'x' }] });
    assert.equal(refused.path, 'sims[0].iccid');
    await call('POST', '/admin/v1/Snapshots/:name/Restore', '/admin/v1/Snapshots/schema-check/Restore', 200);
    await call('POST', '/admin/v1/Snapshots/:name/Restore', '/admin/v1/Snapshots/none/Restore', 404);
    await call('DELETE', '/admin/v1/Snapshots/:name', '/admin/v1/Snapshots/schema-check', 204);
    await call('DELETE', '/admin/v1/Snapshots/:name', '/admin/v1/Snapshots/schema-check', 404);
    await call('POST', '/admin/v1/Reset', '/admin/v1/Reset', 200);
  });

  it('answers without the token as the document says, and every operation it describes was called above', async () => {
    const res = await fetch(`${server.url}/admin/v1/Clock`);
    assert.equal(res.status, 401);
    const validate = validators.get('GET /admin/v1/Clock 401');
    assert.ok(validate?.(await res.json()), JSON.stringify(validate?.errors));
    const described = Object.entries(document.paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`));
    assert.deepEqual(described.filter((operation) => !called.has(operation)).sort(), [], 'operations no test called');
  });
});
