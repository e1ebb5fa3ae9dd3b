import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type twilio from 'twilio';
import { freshIccid, startServer, type TestServer } from '../helpers/server.js';
import { registerSims, subaccount, waitForSim } from '../helpers/sims.js';
import { deviceOf, eventually, receiver, simIn } from '../devices/helpers.js';
import type { Account, Sim } from '../../src/domain/models.js';

// One row per page of Twilio's error dictionary (twilio.com/docs/api/errors/NNNNN) and per cause
// on it that applies to what Wisp serves. Each row makes the request through the official SDK,
// checks the RestException's status and code, and checks that nothing changed.

interface Fixture {
  client: twilio.Twilio;
  fresh: Sim;
  planned: Sim;
  active: Sim;
  noCommands: Sim;
  quotaPlan: string;
  throttlePlan: string;
  sub: Account;
  suspended: Account;
  /** A Sim of the subaccount: its card is registered to another account than the master. */
  theirs: Sim;
  /** A card in the inventory, registered to nobody. */
  spare: { iccid: string; code: string };
  /** Super SIM registration (POST /v1/Sims) through the SDK. */
  registrations: twilio.Twilio['supersim']['v1']['sims'];
}

interface Row {
  page: number;
  cause: string;
  status: number;
  run: (f: Fixture, server: TestServer) => Promise<unknown>;
}

const ROWS: Row[] = [
  { page: 20003, cause: 'Using the wrong combination of Account SID and Auth Token', status: 401, run: (_f, s) => s.client(s.accountSid, 'e'.repeat(32)).wireless.v1.sims.list() },
  { page: 20005, cause: 'Your Twilio account is not active', status: 401, run: (f, s) => s.client(f.suspended.sid, f.suspended.auth_token).wireless.v1.sims.list() },
  { page: 20007, cause: 'You have requested a page size that is too large. The maximum page size is 1000', status: 400, run: (f) => f.client.wireless.v1.sims.page({ pageSize: 1001 }) },
  { page: 20007, cause: 'page size over 1000 on the 2010 API', status: 400, run: (f) => f.client.api.v2010.accounts.page({ pageSize: 5000 }) },
  { page: 20403, cause: 'the credentials lack permission (a subaccount creating subaccounts)', status: 403, run: (f, s) => s.client(f.sub.sid, f.sub.auth_token).api.v2010.accounts.create({ friendlyName: 'nested' }) },
  { page: 20404, cause: 'The SID in the request does not exist', status: 404, run: (f) => f.client.wireless.v1.sims('DE' + '0'.repeat(32)).fetch() },
  { page: 20409, cause: 'The resource is not in a state that allows this modification (deleting an active SIM)', status: 409, run: (f) => f.client.wireless.v1.sims(f.active.sid).remove() },
  { page: 20409, cause: 'The resource is not in a state that allows this modification (deleting a rate plan SIMs are on)', status: 409, run: (f) => f.client.wireless.v1.ratePlans('dictionary-basic').remove() },
  { page: 33101, cause: 'Your request contained invalid parameters', status: 400, run: (f) => f.client.wireless.v1.sims(f.fresh.sid).update({ status: 'bogus' as 'active' }) },
  { page: 33101, cause: 'While removing the Rate Plan of a SIM, your SIM must not be in status active or ready', status: 400, run: (f) => f.client.wireless.v1.sims(f.active.sid).update({ ratePlan: '' }) },
  {
    page: 33101,
    cause: 'you can only move the Rate Plan to a different Data Limit Strategy while your SIM is new or deactivated',
    status: 400,
    run: (f) => f.client.wireless.v1.sims(f.active.sid).update({ ratePlan: f.throttlePlan }),
  },
  { page: 33101, cause: 'While creating or updating a Rate Plan, UniqueName is invalid', status: 400, run: (f) => f.client.wireless.v1.ratePlans.create({ uniqueName: 'WP' + 'a'.repeat(32) }) },
  { page: 33101, cause: 'While creating a Rate Plan, the limits you defined are out of range', status: 400, run: (f) => f.client.wireless.v1.ratePlans.create({ dataLimit: 2_000_001 }) },
  { page: 33101, cause: 'While creating or updating a Rate Plan, ensure UniqueName does not exist yet', status: 400, run: (f) => f.client.wireless.v1.ratePlans.create({ uniqueName: 'dictionary-basic' }) },
  { page: 33101, cause: 'no page: a Sim UniqueName already used in the account, answered as for rate plans', status: 400, run: (f) => f.client.wireless.v1.sims(f.fresh.sid).update({ uniqueName: 'dictionary-named' }) },
  { page: 33102, cause: 'While sending a Command, you did not indicate the Sim to send it to', status: 400, run: (f) => f.client.wireless.v1.commands.create({ command: 'hello' }) },
  {
    page: 33102,
    cause: 'While transferring a SIM to another Account, you need to provide a new Rate Plan present in the target Account or remove the current Rate Plan',
    status: 400,
    run: (f) => f.client.wireless.v1.sims(f.planned.sid).update({ accountSid: f.sub.sid }),
  },
  { page: 33103, cause: 'You provided invalid values for pagination requests: PageSize must be a positive integer', status: 400, run: (f) => f.client.wireless.v1.sims.page({ pageSize: 0 }) },
  { page: 33103, cause: 'Ensure that PageToken is valid as provided by a previous request', status: 400, run: (f) => f.client.wireless.v1.ratePlans.page({ pageToken: 'PTforged', pageNumber: 1 }) },
  { page: 33104, cause: 'While activating a SIM, your request was rejected because the SIM is not associated with a Rate Plan', status: 400, run: (f) => f.client.wireless.v1.sims(f.fresh.sid).update({ status: 'active' }) },
  { page: 33104, cause: 'While sending a Command, your request was rejected because SIM is not properly configured', status: 400, run: (f) => f.client.wireless.v1.commands.create({ sim: f.fresh.sid, command: 'hello' }) },
  { page: 33105, cause: "While changing a SIM's status, the requested Status change is invalid", status: 400, run: (f) => f.client.wireless.v1.sims(f.active.sid).update({ status: 'ready' }) },
  { page: 33119, cause: 'Your SIM is not in a status where it can connect to a cellular network (a connectivity reset of a new SIM)', status: 400, run: (f) => f.client.wireless.v1.sims(f.fresh.sid).update({ resetStatus: 'resetting' }) },
  { page: 33107, cause: 'While sending a Command, the SIM you provided was not found', status: 400, run: (f) => f.client.wireless.v1.commands.create({ sim: 'DE' + '0'.repeat(32), command: 'hello' }) },
  { page: 33108, cause: "While updating a SIM's Rate Plan, the Rate Plan was not found", status: 400, run: (f) => f.client.wireless.v1.sims(f.fresh.sid).update({ ratePlan: 'no-such-plan' }) },
  {
    page: 33108,
    cause: 'While transferring a SIM to another Account, the given Rate Plan was not found in the target Account',
    status: 400,
    run: (f) => f.client.wireless.v1.sims(f.planned.sid).update({ accountSid: f.sub.sid, ratePlan: 'no-such-plan' }),
  },
  { page: 33121, cause: 'you cannot update Status and ResetStatus simultaneously', status: 400, run: (f) => f.client.wireless.v1.sims(f.active.sid).update({ status: 'suspended', resetStatus: 'resetting' }) },
  { page: 33121, cause: "Updating a SIM's status to suspended and removing its Rate Plan is not permitted", status: 400, run: (f) => f.client.wireless.v1.sims(f.active.sid).update({ status: 'suspended', ratePlan: '' }) },
  { page: 33122, cause: 'the SIM cannot be activated on a Rate Plan with deprecated Data Metering', status: 400, run: (f) => f.client.wireless.v1.sims(f.fresh.sid).update({ status: 'active', ratePlan: f.quotaPlan }) },
  { page: 33201, cause: 'While sending Commands to your SIM, your Command was rejected by its Rate Plan', status: 403, run: (f) => f.client.wireless.v1.commands.create({ sim: f.noCommands.sid, command: 'hello' }) },
  { page: 33201, cause: 'While transferring your SIM to another Account, the SIM must be new', status: 403, run: (f) => f.client.wireless.v1.sims(f.active.sid).update({ accountSid: f.sub.sid, ratePlan: '' }) },
  {
    page: 33201,
    cause: 'the new Account must either be the requesting Account or a Subaccount of the requesting Account',
    status: 403,
    run: (f) => f.client.wireless.v1.sims(f.fresh.sid).update({ accountSid: 'AC' + '0'.repeat(32) }),
  },
  { page: 83001, cause: "you did not provide the Super SIM's ICCID or Registration Code", status: 400, run: (f) => f.registrations.create({ iccid: f.spare.iccid, registrationCode: '' }) },
  { page: 83002, cause: 'You tried to register a Super SIM that cannot be registered to your Account (a wrong Registration Code)', status: 400, run: (f) => f.registrations.create({ iccid: f.spare.iccid, registrationCode: 'NOT-THE-CODE' }) },
  { page: 83002, cause: 'a Super SIM that cannot be registered to your Account (an ICCID the network does not know)', status: 400, run: (f) => f.registrations.create({ iccid: freshIccid(), registrationCode: 'ANY-CODE' }) },
  { page: 83002, cause: 'a Super SIM that cannot be registered to your Account (registered to another account)', status: 400, run: (f) => f.registrations.create({ iccid: f.theirs.iccid, registrationCode: f.theirs.registration_code }) },
  { page: 83003, cause: 'You tried to register a Super SIM that already belongs to your Account', status: 409, run: (f) => f.registrations.create({ iccid: f.fresh.iccid, registrationCode: f.fresh.registration_code }) },
];

describe("Twilio's error dictionary, page by page", () => {
  let server: TestServer;
  let f: Fixture;

  /** What a refused request could have touched, as the API shows it. */
  async function world(): Promise<unknown> {
    const get = async (path: string) => (await server.request('GET', path)).body;
    return {
      sims: await get('/v1/Sims?PageSize=1000'),
      plans: await get('/v1/RatePlans?PageSize=1000'),
      commands: await get('/v1/Commands?PageSize=1000'),
      accounts: await get('/2010-04-01/Accounts.json?PageSize=1000'),
    };
  }

  before(async () => {
    server = await startServer();
    const client = server.client();
    const [fresh, planned] = await registerSims(server, 2);
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'dictionary-basic' });
    await client.wireless.v1.sims(planned.sid).update({ ratePlan: plan.sid, uniqueName: 'dictionary-named' });
    await waitForSim(client, planned.sid, (s) => s.ratePlanSid === plan.sid);
    const active = await simIn(server, 'active');
    const noCommands = await simIn(server, 'active', { messagingEnabled: false });
    const quota = await client.wireless.v1.ratePlans.create({ dataMetering: 'quota-10' });
    const throttle = await client.wireless.v1.ratePlans.create({ dataLimitStrategy: 'throttle' });
    const sub = await subaccount(server, 'dictionary sub');
    const suspended = await subaccount(server, 'dictionary suspended');
    await client.api.v2010.accounts(suspended.sid).update({ status: 'suspended' });
    const [theirs] = await registerSims(server, 1, sub);
    const [spare] = await server.stockSims(1);
    const registrar = server.client();
    registrar.supersim.baseUrl = server.url;
    f = { client, fresh, planned, active, noCommands, quotaPlan: quota.sid, throttlePlan: throttle.sid, sub, suspended, theirs, spare, registrations: registrar.supersim.v1.sims };
  });
  after(() => server.close());

  for (const row of ROWS) {
    it(`${row.page}: ${row.cause} (twilio.com/docs/api/errors/${row.page})`, async () => {
      const before = await world();
      await assert.rejects(row.run(f, server), (error: { status?: number; code?: number; message?: string }) => {
        assert.equal(error.status, row.status, error.message);
        assert.equal(error.code, row.page, error.message);
        return true;
      });
      assert.deepEqual(await world(), before, 'nothing changed');
    });
  }

  it('20004: the HTTP method is not supported for the resource (e.g. DELETE your own account), answered 405', async () => {
    const before = await world();
    for (const [method, path] of [
      ['delete', `/2010-04-01/Accounts/${server.accountSid}.json`],
      ['put', `/v1/Sims/${f.active.sid}`],
      ['post', '/v1/UsageRecords'],
      ['post', `/v1/Commands/DC${'0'.repeat(32)}`],
    ] as const) {
      const res = await f.client.request({ method, uri: `${server.url}${path}` });
      assert.equal(res.statusCode, 405, `${method} ${path}`);
      assert.equal((res.body as { code: number }).code, 20004, `${method} ${path}`);
    }
    const unknown = await f.client.request({ method: 'get', uri: `${server.url}/v1/Simz` });
    assert.deepEqual([unknown.statusCode, (unknown.body as { code: number }).code], [404, 20404], 'a path that names nothing stays 404');
    assert.deepEqual(await world(), before, 'nothing changed');
  });

  it('20413: a request body larger than the server allows', async () => {
    const auth = 'Basic ' + Buffer.from(`${server.accountSid}:${server.authToken}`).toString('base64');
    const res = await fetch(`${server.url}/v1/Sims/${f.fresh.sid}`, {
      method: 'POST',
      headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'FriendlyName=' + 'x'.repeat(9 * 1024 * 1024),
    });
    assert.equal(res.status, 413);
    assert.equal(((await res.json()) as { code: number }).code, 20413);
    assert.equal((await f.client.wireless.v1.sims(f.fresh.sid).fetch()).friendlyName, null);
  });

  it('33203: a Command from a SIM that is not ready or active, or whose plan has Commands off, is refused by the network', async () => {
    const before = await world();
    for (const sim of [f.fresh, f.noCommands]) {
      const res = await deviceOf(server, sim.sid).send({ command: 'hello' });
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.equal(res.body.error_code, 33203, JSON.stringify(res.body));
    }
    assert.deepEqual(await world(), before, 'nothing was stored');
  });

  it('33111: a Command from the SIM over 160 characters is truncated but still delivered, and says so', async () => {
    const hook = await receiver();
    try {
      await f.client.wireless.v1.sims(f.active.sid).update({ commandsCallbackUrl: `${hook.url}/mo` });
      const sent = await deviceOf(server, f.active.sid).send({ command: 'y'.repeat(170) });
      assert.equal(sent.status, 201);
      const stored = await f.client.wireless.v1.commands(sent.body.sid).fetch();
      assert.equal(stored.command, 'y'.repeat(160));
      const [call] = await eventually(async () => hook.requests.filter((r) => r.path === '/mo'), (l) => l.length > 0, 'the truncated Command is delivered');
      assert.equal(call.params.Command, 'y'.repeat(160));
      assert.equal(call.params.ErrorCode, '33111');
    } finally {
      await hook.close();
    }
  });
});
