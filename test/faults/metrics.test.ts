import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { newSim, settledAt, startFastServer } from '../helpers/lifecycle.js';
import type { TestServer } from '../helpers/server.js';

// GET /metrics, in Prometheus's text format: behind the admin token on the main port, or
// without authentication on a port of its own (WISP_METRICS_PORT).

describe('metrics', () => {
  let server: TestServer;
  let apart: TestServer;

  before(async () => {
    server = await startFastServer();
    apart = await startFastServer({ WISP_METRICS_PORT: '0' });
  });
  after(async () => {
    await server.close();
    await apart.close();
  });

  it('are behind the admin token', async () => {
    assert.equal((await fetch(`${server.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status, 401);
  });

  it('count requests by route and status, jobs by kind and outcome, and the process', async () => {
    const sid = await newSim(server);
    assert.equal((await server.request('POST', `/v1/Sims/${sid}`, { form: { Status: 'deactivated' } })).status, 200);
    await settledAt(server, sid, 'deactivated');
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${server.adminToken}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await res.text();
    assert.match(text, /wisp_http_requests_total\{method="POST",route="\/v1\/Sims\/:sid",status="200"\} 1/);
    assert.match(text, /wisp_http_request_duration_seconds_bucket\{le="[^"]+",method="POST",route="\/v1\/Sims\/:sid"\}/);
    assert.match(text, /wisp_job_duration_seconds_count\{kind="operator.apply",outcome="done"\} [1-9]/);
    assert.match(text, /wisp_jobs\{kind="timer.cancel",state="pending"\} 1/);
    assert.match(text, /wisp_job_oldest_due_age_seconds \d/);
    assert.match(text, /nodejs_eventloop_lag_seconds \d/);
    assert.match(text, /process_resident_memory_bytes \d/);
  });

  it('are served without authentication on WISP_METRICS_PORT, and not on the main port', async () => {
    const { port } = apart.wisp.metricsServer?.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /# TYPE wisp_jobs gauge/);
    assert.equal((await fetch(`${apart.url}/metrics`, { headers: { authorization: `Bearer ${apart.adminToken}` } })).status, 404);
  });
});
