import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '/work/main/test/helpers/server.js';
import { simIn, eventually, deviceOf, receiver } from '/work/main/test/devices/helpers.js';

describe('smoke', () => {
  let server: TestServer;
  before(async () => { server = await startServer(); });
  after(() => server.close());
  it('runs', async () => {
    const client = server.client();
    const sim = await simIn(server, 'active');
    const r = await receiver();
    const cmd = await client.wireless.v1.commands.create({ sim: sim.sid, command: 'hello', callbackUrl: r.url + '/cb' });
    console.log(cmd.status);
    const done = await eventually(() => client.wireless.v1.commands(cmd.sid).fetch(), (c) => c.status === 'delivered', 'delivered');
    await eventually(async () => r.requests.length, (n) => n >= 2, 'callbacks');
    console.log(r.requests.map((q) => q.params));
    const s = await deviceOf(server, sim.sid).session({ bytes_uploaded: 1000, bytes_downloaded: 2000 });
    console.log(s.status, s.body);
    const recs = await client.wireless.v1.sims(sim.sid).usageRecords.list({ granularity: 'hourly' });
    console.log(recs.length, JSON.stringify(recs[recs.length-1]));
    const acct = await client.wireless.v1.usageRecords.list({});
    console.log(JSON.stringify(acct));
    const ds = await client.wireless.v1.sims(sim.sid).dataSessions.list();
    console.log(JSON.stringify(ds));
    await r.close();
  });
});
