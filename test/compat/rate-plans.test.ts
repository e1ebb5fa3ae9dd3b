import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { callerAs, waitForSim } from '../helpers/sims.js';

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

  it('applies every documented default to a plan created with no parameters', async () => {
    const plan = await server.client().wireless.v1.ratePlans.create();
    assert.equal(plan.uniqueName, null);
    assert.equal(plan.friendlyName, null);
    assert.equal(plan.accountSid, server.accountSid);
    assert.equal(plan.dataEnabled, true);
    assert.equal(plan.dataMetering, 'payg');
    assert.equal(plan.dataLimit, 1000);
    assert.equal(plan.messagingEnabled, true);
    assert.equal(plan.voiceEnabled, false);
    assert.equal(plan.nationalRoamingEnabled, true);
    assert.equal(plan.nationalRoamingDataLimit, 1000);
    assert.deepEqual(plan.internationalRoaming, []);
    assert.equal(plan.internationalRoamingDataLimit, 0);
    assert.equal(plan.url, `${server.url}/v1/RatePlans/${plan.sid}`);
    assert.ok(plan.dateCreated instanceof Date && !Number.isNaN(plan.dateCreated.getTime()));
  });

  it('stores every field given at creation', async () => {
    const client = server.client();
    const plan = await client.wireless.v1.ratePlans.create({
      uniqueName: 'everything',
      friendlyName: 'Every field',
      dataEnabled: false,
      dataLimit: 2_000_000,
      dataMetering: 'quota-10',
      dataLimitStrategy: 'throttle',
      messagingEnabled: false,
      voiceEnabled: true,
      nationalRoamingEnabled: false,
      nationalRoamingDataLimit: 0,
      internationalRoaming: ['data', 'messaging'],
      internationalRoamingDataLimit: 250,
    });
    const fetched = await client.wireless.v1.ratePlans(plan.sid).fetch();
    for (const p of [plan, fetched]) {
      assert.equal(p.uniqueName, 'everything');
      assert.equal(p.friendlyName, 'Every field');
      assert.equal(p.dataEnabled, false);
      assert.equal(p.dataLimit, 2_000_000);
      assert.equal(p.dataMetering, 'quota-10');
      assert.equal(p.messagingEnabled, false);
      assert.equal(p.voiceEnabled, true);
      assert.equal(p.nationalRoamingEnabled, false);
      assert.equal(p.nationalRoamingDataLimit, 0);
      assert.deepEqual(p.internationalRoaming, ['data', 'messaging']);
      assert.equal(p.internationalRoamingDataLimit, 250);
    }
  });

  it('lists plans, updates and deletes them by sid or unique name', async () => {
    const client = server.client();
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'crud', friendlyName: 'CRUD' });
    assert.ok((await client.wireless.v1.ratePlans.list()).some((p) => p.sid === plan.sid));

    const renamed = await client.wireless.v1.ratePlans('crud').update({ uniqueName: 'crud-2', friendlyName: 'Renamed' });
    assert.equal(renamed.sid, plan.sid);
    assert.equal(renamed.uniqueName, 'crud-2');
    assert.equal(renamed.friendlyName, 'Renamed');
    assert.equal(renamed.dataLimit, plan.dataLimit, 'fields not named in the update are kept');
    assert.ok(renamed.dateUpdated.getTime() >= plan.dateUpdated.getTime());
    await assert.rejects(client.wireless.v1.ratePlans('crud').fetch(), { status: 404, code: 20404 });

    assert.equal(await client.wireless.v1.ratePlans('crud-2').remove(), true);
    await assert.rejects(client.wireless.v1.ratePlans(plan.sid).fetch(), { status: 404, code: 20404 });
    assert.ok(!(await client.wireless.v1.ratePlans.list()).some((p) => p.sid === plan.sid));
  });

  it('walks the plan list page by page with the SDK', async () => {
    const client = server.client();
    for (let i = 0; i < 5; i++) await client.wireless.v1.ratePlans.create({ friendlyName: `page ${i}` });
    const all = await client.wireless.v1.ratePlans.list();
    const paged = await client.wireless.v1.ratePlans.list({ pageSize: 2 });
    assert.ok(all.length >= 5);
    assert.deepEqual(paged.map((p) => p.sid), all.map((p) => p.sid));
  });

  it('refuses a unique name already used by another plan of the account', async () => {
    const client = server.client();
    await client.wireless.v1.ratePlans.create({ uniqueName: 'taken' });
    const other = await client.wireless.v1.ratePlans.create({ uniqueName: 'free' });
    // 33101: "ensure UniqueName ... does not exist yet".
    await assert.rejects(client.wireless.v1.ratePlans.create({ uniqueName: 'taken' }), { status: 400, code: 33101 });
    await assert.rejects(client.wireless.v1.ratePlans(other.sid).update({ uniqueName: 'taken' }), { status: 400, code: 33101 });
    assert.equal((await client.wireless.v1.ratePlans(other.sid).fetch()).uniqueName, 'free');
  });

  it('a plan in use by a SIM cannot be deleted until the SIM leaves it', async () => {
    const client = server.client();
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'in-use' });
    const [card] = await server.stockSims(1);
    const sim = await server.wisp.services.sims.register(callerAs(server), card.iccid, card.code);
    await client.wireless.v1.sims(sim.sid).update({ ratePlan: 'in-use' });
    await waitForSim(client, sim.sid, (s) => s.ratePlanSid === plan.sid);

    const refused = await server.request('DELETE', '/v1/RatePlans/in-use');
    assert.equal(refused.status, 409);
    assertTwilioError(refused.body, 409, 20409);
    assert.match(refused.body.message, /assigned to 1 SIM/);
    assert.equal((await client.wireless.v1.ratePlans(plan.sid).fetch()).uniqueName, 'in-use');

    await client.wireless.v1.sims(sim.sid).update({ ratePlan: '' });
    await waitForSim(client, sim.sid, (s) => s.ratePlanSid === null);
    assert.equal(await client.wireless.v1.ratePlans(plan.sid).remove(), true);
  });

  it("hides another account's plans", async () => {
    const client = server.client();
    const sub = await client.api.v2010.accounts.create({ friendlyName: 'plans elsewhere' });
    const subClient = server.client(sub.sid, sub.authToken);
    const mine = await client.wireless.v1.ratePlans.create({ uniqueName: 'master-only' });
    const theirs = await subClient.wireless.v1.ratePlans.create({ uniqueName: 'master-only' });
    assert.notEqual(mine.sid, theirs.sid, 'unique names are per account');
    await assert.rejects(subClient.wireless.v1.ratePlans(mine.sid).fetch(), { status: 404, code: 20404 });
    await assert.rejects(subClient.wireless.v1.ratePlans(mine.sid).remove(), { status: 404, code: 20404 });
    assert.equal((await subClient.wireless.v1.ratePlans('master-only').fetch()).sid, theirs.sid);
    assert.equal((await client.wireless.v1.ratePlans('master-only').fetch()).sid, mine.sid);
    assert.deepEqual((await subClient.wireless.v1.ratePlans.list()).map((p) => p.sid), [theirs.sid]);
  });
});
