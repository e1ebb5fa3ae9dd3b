import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, type TestServer } from '../helpers/server.js';

describe('served API descriptions', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('lists the vendored Twilio documents and serves each with its servers pointed at this Wisp', async () => {
    const index = await fetch(`${server.url}/openapi/twilio`).then((r) => r.json());
    const names = index.documents.map((d: { name: string }) => d.name);
    assert.deepEqual(names, ['twilio_api_v2010_accounts', 'twilio_monitor_v1', 'twilio_supersim_v1', 'twilio_wireless_v1']);
    const response = await fetch(index.documents[3].url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/json/);
    const served = await response.json();
    const vendored = JSON.parse(readFileSync('spec/twilio/twilio_wireless_v1.json', 'utf8'));
    assert.deepEqual(Object.keys(served.paths), Object.keys(vendored.paths));
    assert.deepEqual(served.servers, [{ url: server.url }]);
    for (const item of Object.values(served.paths) as { servers?: unknown }[]) {
      if (item.servers) assert.deepEqual(item.servers, [{ url: server.url }]);
    }
  });

  it("/openapi.json describes Wisp's own API, not the Twilio surfaces, and /docs shows it", async () => {
    const document = await fetch(`${server.url}/openapi.json`).then((r) => r.json());
    assert.match(document.openapi, /^3\./);
    const packageVersion = JSON.parse(readFileSync('package.json', 'utf8')).version;
    assert.equal(document.info.version, packageVersion);
    const paths = Object.keys(document.paths);
    for (const path of ['/admin/v1/Reset', '/admin/v1/Snapshots', '/admin/v1/Snapshots/{name}/Restore', '/admin/v1/Clock', '/admin/v1/Seed']) assert.ok(paths.includes(path), path);
    assert.ok(paths.every((p) => p.startsWith('/admin/') || p.startsWith('/wisp/')), paths.join(' '));
    assert.match(document.paths['/admin/v1/Reset'].post.summary, /^Back to an empty database with the master account/);
    assert.deepEqual(document.paths['/admin/v1/Reset'].post.security, [{ adminToken: [] }]);
    assert.deepEqual(document.paths['/wisp/v1/SimBatches'].post.security, [{ twilioBasic: [] }]);
    const page = await fetch(`${server.url}/docs`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /text\/html/);
    assert.match(await page.text(), /swagger-ui/i);
  });

  it('answers 404 for any other name', async () => {
    for (const name of ['README.md', '..%2Fpackage.json', 'nope.json']) {
      const response = await fetch(`${server.url}/openapi/twilio/${name}`);
      assert.equal(response.status, 404, name);
    }
  });
});
