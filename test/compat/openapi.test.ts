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

  it('answers 404 for any other name', async () => {
    for (const name of ['README.md', '..%2Fpackage.json', 'nope.json']) {
      const response = await fetch(`${server.url}/openapi/twilio/${name}`);
      assert.equal(response.status, 404, name);
    }
  });
});
