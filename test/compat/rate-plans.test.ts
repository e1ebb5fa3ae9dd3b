import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';

describe('RatePlans through the SDK', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('creates a plan with Twilio defaults and fetches it by sid and unique name', async () => {
    const client = server.client();
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'basic', friendlyName: 'Basic' });
    assert.match(plan.sid, /^WP[0-9a-f]{32}$/);
    assert.equal(plan.dataEnabled, true);
    assert.equal(plan.dataLimit, 1000);
    assert.equal(plan.dataMetering, 'payg');
    assert.deepEqual(plan.internationalRoaming, []);
    const bySid = await client.wireless.v1.ratePlans(plan.sid).fetch();
    const byName = await client.wireless.v1.ratePlans('basic').fetch();
    assert.equal(bySid.sid, plan.sid);
    assert.equal(byName.sid, plan.sid);
  });
});
