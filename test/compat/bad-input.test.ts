import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { moveSim, registerSims, subaccount, waitForSim } from '../helpers/sims.js';
import type { Account, Sim } from '../../src/domain/models.js';

// Every request below is wrong in one way. Each must be answered with the right HTTP status,
// Twilio error code and a message that says what was wrong, and must leave every resource
// exactly as it was.

interface Fixture {
  master: Account;
  sub: Account;
  closed: Account;
  /** A new SIM without a rate plan. */
  fresh: Sim;
  /** A SIM with unique name `named-sim` and plan `basic`, in status new. */
  named: Sim;
  ready: Sim;
  active: Sim;
  deactivated: Sim;
  /** A SIM whose change is still being applied (status `updating`). */
  inFlight: Sim;
  subSim: Sim;
  siblingSim: Sim;
  planSid: string;
  subPlanSid: string;
  keySid: string;
  spare: { iccid: string; code: string };
}

type Auth = 'master' | 'sub' | 'none' | 'wrong' | 'actAsSub';

interface Case {
  name: string;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  form?: Record<string, string | string[]>;
  auth?: Auth;
  status: number;
  code: number;
  message: RegExp;
}

/** Stands in for the fixture while the case names are read, before any server exists. */
const PLACEHOLDER = new Proxy({} as Fixture, {
  get: () => ({ sid: 'placeholder', iccid: 'placeholder', registration_code: 'placeholder', code: 'placeholder', auth_token: 'placeholder' }),
});

const SID_LIKE = 'DE' + 'a'.repeat(32);
const long = (n: number) => 'x'.repeat(n);

function cases(f: Fixture): Case[] {
  const sim = (s: Sim) => `/v1/Sims/${s.sid}`;
  const update = (s: Sim, form: Record<string, string | string[]>, rest: Omit<Case, 'name' | 'method' | 'path' | 'form'> & { name: string }): Case => ({
    method: 'POST',
    path: sim(s),
    form,
    ...rest,
  });
  // Wireless answers a bad value with 33101 (twilio.com/docs/api/errors/33101); the 2010 API has
  // no such page, and Wisp keeps 20001 there.
  const invalid = { status: 400, code: 33101 };
  const platform = { status: 400, code: 20001 };
  const paging = { status: 400, code: 33103 };
  return [
    // Addresses that name nothing.
    { name: 'fetch an unknown Sim sid', method: 'GET', path: `/v1/Sims/DE${'0'.repeat(32)}`, status: 404, code: 20404, message: /\/v1\/Sims\/DE0+ was not found/ },
    { name: 'fetch a Sim sid with the wrong prefix', method: 'GET', path: `/v1/Sims/WP${'0'.repeat(32)}`, status: 404, code: 20404, message: /was not found/ },
    { name: 'fetch an unknown unique name', method: 'GET', path: '/v1/Sims/no-such-sim', status: 404, code: 20404, message: /no-such-sim was not found/ },
    { name: 'update an unknown Sim', method: 'POST', path: `/v1/Sims/DE${'1'.repeat(32)}`, form: { FriendlyName: 'x' }, status: 404, code: 20404, message: /was not found/ },
    { name: 'delete an unknown Sim', method: 'DELETE', path: `/v1/Sims/DE${'2'.repeat(32)}`, status: 404, code: 20404, message: /was not found/ },
    { name: 'fetch an unknown RatePlan', method: 'GET', path: `/v1/RatePlans/WP${'0'.repeat(32)}`, status: 404, code: 20404, message: /was not found/ },
    { name: 'delete an unknown RatePlan', method: 'DELETE', path: '/v1/RatePlans/no-such-plan', status: 404, code: 20404, message: /was not found/ },
    { name: 'fetch an unknown Account', method: 'GET', path: `/2010-04-01/Accounts/AC${'0'.repeat(32)}.json`, status: 404, code: 20404, message: /was not found/ },
    { name: 'fetch an unknown Key', method: 'GET', path: `/2010-04-01/Accounts/${f.master.sid}/Keys/SK${'0'.repeat(32)}.json`, status: 404, code: 20404, message: /was not found/ },
    { name: 'an unknown path', method: 'GET', path: '/v1/Simz', status: 404, code: 20404, message: /\/v1\/Simz was not found/ },
    { name: 'a path with a trailing slash', method: 'GET', path: '/v1/Sims/', status: 404, code: 20404, message: /was not found/ },

    // Enums, methods and types.
    update(f.fresh, { Status: 'bogus' }, { name: 'unknown Status', ...invalid, message: /Status must be one of .*"bogus"/ }),
    update(f.fresh, { Status: 'Active' }, { name: 'Status in the wrong case', ...invalid, message: /Status must be one of/ }),
    update(f.active, { ResetStatus: 'done' }, { name: 'unknown ResetStatus', ...invalid, message: /ResetStatus must be one of resetting/ }),
    update(f.fresh, { CallbackMethod: 'PUT' }, { name: 'CallbackMethod PUT', ...invalid, message: /CallbackMethod must be GET or POST; got "PUT"/ }),
    update(f.fresh, { SmsMethod: 'DELETE' }, { name: 'SmsMethod DELETE', ...invalid, message: /SmsMethod must be GET or POST/ }),
    update(f.fresh, { VoiceMethod: '' }, { name: 'empty VoiceMethod', ...invalid, message: /VoiceMethod must be GET or POST/ }),
    update(f.fresh, { CommandsCallbackMethod: 'get post' }, { name: 'CommandsCallbackMethod with two values', ...invalid, message: /CommandsCallbackMethod must be GET or POST/ }),
    update(f.fresh, { FriendlyName: ['a', 'b'] }, { name: 'FriendlyName given twice', ...invalid, message: /FriendlyName must be given once/ }),

    // URLs.
    update(f.fresh, { SmsUrl: 'not a url' }, { name: 'SmsUrl not a URL', ...invalid, message: /SmsUrl is not a valid absolute URL/ }),
    update(f.fresh, { VoiceFallbackUrl: '/relative/path' }, { name: 'relative VoiceFallbackUrl', ...invalid, message: /VoiceFallbackUrl is not a valid absolute URL/ }),
    update(f.fresh, { CommandsCallbackUrl: 'ftp://example.com/x' }, { name: 'ftp CommandsCallbackUrl', ...invalid, message: /CommandsCallbackUrl must be an http or https URL/ }),
    update(f.fresh, { CallbackUrl: 'javascript:alert(1)' }, { name: 'javascript CallbackUrl', ...invalid, message: /CallbackUrl must be an http or https URL/ }),
    update(f.fresh, { SmsFallbackUrl: `https://example.com/${long(3000)}` }, { name: 'SmsFallbackUrl over 2048 characters', ...invalid, message: /SmsFallbackUrl must be at most 2048/ }),
    update(f.fresh, { VoiceUrl: `https://example.com/${long(5000)}` }, { name: 'VoiceUrl over 4096 characters', ...invalid, message: /VoiceUrl must be at most 4096/ }),
    update(f.fresh, { FriendlyName: 'valid', SmsUrl: 'nope' }, { name: 'a good parameter beside a bad one changes nothing', ...invalid, message: /SmsUrl/ }),

    // Names.
    update(f.fresh, { UniqueName: long(65) }, { name: 'UniqueName over 64 characters', ...invalid, message: /UniqueName must be at most 64/ }),
    update(f.fresh, { FriendlyName: long(65) }, { name: 'FriendlyName over 64 characters', ...invalid, message: /FriendlyName must be at most 64/ }),
    update(f.fresh, { UniqueName: SID_LIKE }, { name: 'UniqueName that looks like a Sim sid', ...invalid, message: /must not look like a DE SID/ }),
    update(f.fresh, { UniqueName: 'bad\u0007name' }, { name: 'UniqueName with a control character', ...invalid, message: /control characters/ }),
    update(f.fresh, { UniqueName: '   ' }, { name: 'blank UniqueName', ...invalid, message: /UniqueName must not be blank/ }),
    update(f.fresh, { UniqueName: 'named-sim' }, { name: 'UniqueName of another Sim', status: 400, code: 33101, message: /"named-sim" is already used by Sim DE/ }),

    // The lifecycle table.
    update(f.active, { Status: 'ready' }, { name: 'active -> ready', status: 400, code: 33105, message: /cannot move from active to ready/ }),
    update(f.fresh, { Status: 'suspended' }, { name: 'new -> suspended', status: 400, code: 33105, message: /cannot move from new to suspended/ }),
    update(f.deactivated, { Status: 'active' }, { name: 'deactivated -> active', status: 400, code: 33105, message: /cannot move from deactivated to active/ }),
    update(f.active, { Status: 'new' }, { name: 'back to new', status: 400, code: 33105, message: /never return to status new/ }),
    update(f.fresh, { Status: 'updating' }, { name: 'request updating', status: 400, code: 33105, message: /cannot be requested/ }),
    update(f.fresh, { Status: 'canceled' }, { name: 'request canceled', status: 400, code: 33105, message: /cannot be requested/ }),
    update(f.fresh, { Status: 'ready' }, { name: 'ready without a rate plan', status: 400, code: 33104, message: /needs a rate plan before it can become ready/ }),
    update(f.fresh, { Status: 'active' }, { name: 'active without a rate plan', status: 400, code: 33104, message: /needs a rate plan before it can become active/ }),
    update(f.active, { RatePlan: '' }, { name: 'remove the plan of an active SIM', ...invalid, message: /rate plan of a active SIM cannot be removed/ }),
    update(f.ready, { RatePlan: '' }, { name: 'remove the plan of a ready SIM', ...invalid, message: /rate plan of a ready SIM cannot be removed/ }),
    update(f.active, { Status: 'suspended', RatePlan: '' }, { name: 'suspend and remove the plan at once', status: 400, code: 33121, message: /suspended and lose its rate plan/ }),
    update(f.active, { Status: 'suspended', ResetStatus: 'resetting' }, { name: 'Status with ResetStatus', status: 400, code: 33121, message: /Status and ResetStatus cannot be updated in the same request/ }),
    update(f.fresh, { ResetStatus: 'resetting' }, { name: 'reset a new SIM', status: 400, code: 33119, message: /Only a ready or active SIM can have its connectivity reset/ }),
    update(f.inFlight, { Status: 'suspended' }, { name: 'change the status of an updating SIM', status: 409, code: 33010, message: /is updating; its status, rate plan, reset and account cannot change/ }),
    update(f.inFlight, { RatePlan: '' }, { name: 'change the plan of an updating SIM', status: 409, code: 33010, message: /is updating/ }),
    update(f.fresh, { RatePlan: 'no-such-plan' }, { name: 'unknown RatePlan', status: 400, code: 33108, message: /RatePlan no-such-plan was not found/ }),
    update(f.fresh, { RatePlan: f.subPlanSid }, { name: "a subaccount's RatePlan on the master's SIM", status: 400, code: 33108, message: /was not found in account/ }),
    { name: 'delete an active SIM', method: 'DELETE', path: sim(f.active), status: 409, code: 20409, message: /only a new or canceled SIM can be deleted/ },

    // Moving between accounts.
    update(f.fresh, { AccountSid: `AC${'0'.repeat(32)}` }, { name: 'move to an unknown account', status: 403, code: 33201, message: /is not your account or one of its subaccounts/ }),
    update(f.fresh, { AccountSid: 'acme' }, { name: 'move to a malformed AccountSid', status: 403, code: 33201, message: /AccountSid acme is not your account/ }),
    update(f.fresh, { AccountSid: f.closed.sid }, { name: 'move to a closed subaccount', ...invalid, message: /is closed/ }),
    update(f.active, { AccountSid: f.sub.sid, RatePlan: '' }, { name: 'move an active SIM', status: 403, code: 33201, message: /Only a SIM in status new can move/ }),
    update(f.named, { AccountSid: f.sub.sid }, { name: 'move a SIM with a plan without naming one', status: 400, code: 33102, message: /Missing required parameter RatePlan/ }),
    update(f.subSim, { AccountSid: f.master.sid }, { name: 'a subaccount moves its SIM', auth: 'sub', status: 403, code: 20403, message: /Only master account credentials can move a SIM/ }),

    // Other accounts' SIMs and credentials.
    { name: "a subaccount fetches the master's SIM", method: 'GET', path: sim(f.fresh), auth: 'sub', status: 404, code: 20404, message: /was not found/ },
    { name: "a subaccount updates its sibling's SIM", method: 'POST', path: sim(f.siblingSim), form: { FriendlyName: 'mine' }, auth: 'sub', status: 404, code: 20404, message: /was not found/ },
    { name: "a subaccount deletes the master's SIM", method: 'DELETE', path: sim(f.fresh), auth: 'sub', status: 404, code: 20404, message: /was not found/ },
    { name: "acting as a subaccount, the master's SIM is hidden", method: 'POST', path: sim(f.fresh), form: { FriendlyName: 'x' }, auth: 'actAsSub', status: 404, code: 20404, message: /was not found/ },
    { name: 'update with no credentials', method: 'POST', path: sim(f.fresh), form: { FriendlyName: 'anon' }, auth: 'none', status: 401, code: 20003, message: /Authentication is required/ },
    { name: 'delete with a wrong token', method: 'DELETE', path: sim(f.fresh), auth: 'wrong', status: 401, code: 20003, message: /username or password is incorrect/ },
    { name: 'create a plan with a wrong token', method: 'POST', path: '/v1/RatePlans', form: { UniqueName: 'sneaky' }, auth: 'wrong', status: 401, code: 20003, message: /incorrect/ },

    // Paging and filters.
    { name: 'PageSize 0', method: 'GET', path: '/v1/Sims?PageSize=0', ...paging, message: /PageSize must be at least 1; got 0/ },
    { name: 'PageSize 1001', method: 'GET', path: '/v1/Sims?PageSize=1001', status: 400, code: 20007, message: /Page size too large: PageSize must be at most 1000; got 1001/ },
    { name: 'PageSize 1001 on the 2010 API', method: 'GET', path: '/2010-04-01/Accounts.json?PageSize=1001', status: 400, code: 20007, message: /Page size too large/ },
    { name: 'PageSize not a number', method: 'GET', path: '/v1/RatePlans?PageSize=ten', ...paging, message: /PageSize must be a whole number/ },
    { name: 'a forged PageToken', method: 'GET', path: '/v1/Sims?Page=1&PageToken=PTgarbage', ...paging, message: /PageToken "PTgarbage" is not valid/ },
    { name: 'Page without a PageToken', method: 'GET', path: '/v1/Sims?Page=3', ...paging, message: /needs the PageToken/ },
    { name: 'unknown Status filter', method: 'GET', path: '/v1/Sims?Status=lost', ...invalid, message: /Status must be one of/ },
    { name: 'unknown account Status filter', method: 'GET', path: '/2010-04-01/Accounts.json?Status=frozen', ...platform, message: /Status must be one of active, suspended, closed/ },

    // Rate plans.
    { name: 'unknown DataMetering', method: 'POST', path: '/v1/RatePlans', form: { DataMetering: 'unlimited' }, ...invalid, message: /DataMetering must be one of payg/ },
    { name: 'negative DataLimit', method: 'POST', path: '/v1/RatePlans', form: { DataLimit: '-1' }, ...invalid, message: /DataLimit must be from 0/ },
    { name: 'DataLimit over 2 TB', method: 'POST', path: '/v1/RatePlans', form: { DataLimit: '2000001' }, ...invalid, message: /DataLimit must be a whole number of megabytes from 0 to 2000000/ },
    { name: 'DataLimit not a number', method: 'POST', path: '/v1/RatePlans', form: { NationalRoamingDataLimit: '1.5' }, ...invalid, message: /NationalRoamingDataLimit must be a whole number/ },
    { name: 'DataEnabled not a boolean', method: 'POST', path: '/v1/RatePlans', form: { DataEnabled: 'yes' }, ...invalid, message: /DataEnabled must be true or false; got "yes"/ },
    { name: 'unknown InternationalRoaming service', method: 'POST', path: '/v1/RatePlans', form: { InternationalRoaming: ['data', 'voice'] }, ...invalid, message: /InternationalRoaming may contain only data and messaging; got "voice"/ },
    { name: 'unknown DataLimitStrategy', method: 'POST', path: '/v1/RatePlans', form: { DataLimitStrategy: 'slow' }, ...invalid, message: /DataLimitStrategy must be one of block, throttle/ },
    { name: 'plan UniqueName that looks like a plan sid', method: 'POST', path: '/v1/RatePlans', form: { UniqueName: 'WP' + 'b'.repeat(32) }, ...invalid, message: /must not look like a WP SID/ },
    { name: 'plan UniqueName already used', method: 'POST', path: '/v1/RatePlans', form: { UniqueName: 'basic' }, ...invalid, message: /"basic" is already used by RatePlan/ },
    { name: 'rename a plan onto another', method: 'POST', path: '/v1/RatePlans/spare-plan', form: { UniqueName: 'basic' }, ...invalid, message: /already used/ },
    { name: 'delete a plan in use', method: 'DELETE', path: '/v1/RatePlans/basic', status: 409, code: 20409, message: /is assigned to \d+ SIM\(s\)/ },
    { name: "a subaccount fetches the master's plan", method: 'GET', path: `/v1/RatePlans/${f.planSid}`, auth: 'sub', status: 404, code: 20404, message: /was not found/ },

    // Registration.
    { name: 'register with a malformed ICCID', method: 'POST', path: '/v1/Sims', form: { Iccid: '1234', RegistrationCode: f.spare.code }, ...invalid, message: /not a valid ICCID/ },
    { name: 'register with the wrong code', method: 'POST', path: '/v1/Sims', form: { Iccid: f.spare.iccid, RegistrationCode: 'WRONG' }, status: 400, code: 83002, message: /does not match/ },
    { name: 'register without a code', method: 'POST', path: '/v1/Sims', form: { Iccid: f.spare.iccid }, status: 400, code: 83001, message: /Missing required parameter RegistrationCode/ },
    { name: 'register an over-long code', method: 'POST', path: '/v1/Sims', form: { Iccid: f.spare.iccid, RegistrationCode: long(65) }, ...invalid, message: /RegistrationCode must be at most 64/ },
    { name: 'register a SIM already registered', method: 'POST', path: '/v1/Sims', form: { Iccid: f.fresh.iccid, RegistrationCode: f.fresh.registration_code }, status: 409, code: 83003, message: /already registered to your account/ },

    // Accounts and keys.
    { name: 'unknown account Status', method: 'POST', path: `/2010-04-01/Accounts/${f.sub.sid}.json`, form: { Status: 'deleted' }, ...platform, message: /Status must be one of active, suspended, closed; got "deleted"/ },
    { name: 'reopen a closed account', method: 'POST', path: `/2010-04-01/Accounts/${f.closed.sid}.json`, form: { Status: 'active' }, ...platform, message: /closed account cannot be reopened/ },
    { name: 'suspend the master account', method: 'POST', path: `/2010-04-01/Accounts/${f.master.sid}.json`, form: { Status: 'suspended' }, ...platform, message: /master account cannot be changed/ },
    { name: 'account FriendlyName over 64 characters', method: 'POST', path: '/2010-04-01/Accounts.json', form: { FriendlyName: long(65) }, ...platform, message: /FriendlyName must be at most 64/ },
    { name: 'a subaccount creates a subaccount', method: 'POST', path: '/2010-04-01/Accounts.json', form: { FriendlyName: 'nested' }, auth: 'sub', status: 403, code: 20403, message: /Only a master account can create subaccounts/ },
    { name: "a subaccount reads the master's keys", method: 'GET', path: `/2010-04-01/Accounts/${f.master.sid}/Keys.json`, auth: 'sub', status: 404, code: 20404, message: /was not found/ },
    { name: 'key FriendlyName over 64 characters', method: 'POST', path: `/2010-04-01/Accounts/${f.master.sid}/Keys/${f.keySid}.json`, form: { FriendlyName: long(65) }, ...platform, message: /FriendlyName must be at most 64/ },
  ];
}

describe('bad input is refused and changes nothing', () => {
  let server: TestServer;
  let f: Fixture;

  function credentials(auth: Auth = 'master'): [string, string] | null {
    switch (auth) {
      case 'master':
        return [f.master.sid, f.master.auth_token];
      case 'sub':
        return [f.sub.sid, f.sub.auth_token];
      case 'actAsSub':
        return [f.sub.sid, f.master.auth_token];
      case 'wrong':
        return [f.master.sid, 'e'.repeat(32)];
      case 'none':
        return null;
    }
  }

  /** Everything a bad request could have touched, as the API shows it. */
  async function world(): Promise<unknown> {
    const get = async (path: string, auth: [string, string]) => {
      const res = await server.request('GET', path, { auth });
      assert.equal(res.status, 200, path);
      return res.body;
    };
    const master: [string, string] = [f.master.sid, f.master.auth_token];
    const sub: [string, string] = [f.sub.sid, f.sub.auth_token];
    return {
      masterSims: await get('/v1/Sims?PageSize=1000', master),
      subSims: await get('/v1/Sims?PageSize=1000', sub),
      siblingSim: await get(`/v1/Sims/${f.siblingSim.sid}`, master),
      masterPlans: await get('/v1/RatePlans?PageSize=1000', master),
      subPlans: await get('/v1/RatePlans?PageSize=1000', sub),
      accounts: await get('/2010-04-01/Accounts.json?PageSize=1000', master),
      keys: await get(`/2010-04-01/Accounts/${f.master.sid}/Keys.json`, master),
    };
  }

  before(async () => {
    server = await startServer();
    const client = server.client();
    const master = server.wisp.master;
    const sub = await subaccount(server, 'bad-input sub');
    const sibling = await subaccount(server, 'bad-input sibling');
    const closed = await subaccount(server, 'bad-input closed');
    await client.api.v2010.accounts(closed.sid).update({ status: 'closed' });
    const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'basic' });
    await client.wireless.v1.ratePlans.create({ uniqueName: 'spare-plan' });
    const subPlan = await server.client(sub.sid, sub.auth_token).wireless.v1.ratePlans.create({ uniqueName: 'sub-plan' });
    const key = await client.api.v2010.accounts(master.sid).newKeys.create({ friendlyName: 'bad-input key' });

    const [fresh, named, ready, active, deactivated, inFlight] = await registerSims(server, 6);
    const [subSim] = await registerSims(server, 1, sub);
    const [siblingSim] = await registerSims(server, 1, sibling);
    await client.wireless.v1.sims(named.sid).update({ uniqueName: 'named-sim', ratePlan: 'basic' });
    await waitForSim(client, named.sid, (s) => s.ratePlanSid === plan.sid);
    await moveSim(client, ready.sid, 'ready', 'basic');
    await moveSim(client, active.sid, 'active', 'basic');
    await moveSim(client, deactivated.sid, 'deactivated');
    await moveSim(client, inFlight.sid, 'active', 'basic');
    // Held in `updating` as if the network were still applying a change; no job will finish it.
    await server.wisp.store.sims.update(inFlight.sid, { status: 'updating' });
    const [spare] = await server.stockSims(1);
    f = { master, sub, closed, fresh, named, ready, active, deactivated, inFlight, subSim, siblingSim, planSid: plan.sid, subPlanSid: subPlan.sid, keySid: key.sid, spare };
  });
  after(() => server.close());

  it('has at least 40 cases, each with its own name', () => {
    const all = cases(f);
    assert.ok(all.length >= 40, `${all.length} cases`);
    assert.equal(new Set(all.map((c) => c.name)).size, all.length);
  });

  // The cases' paths need the fixture, which exists only once `before` has run; their names do
  // not, so each case is its own test, found again by index.
  cases(PLACEHOLDER).forEach(({ name }, index) => {
    it(name, async () => {
      const c = cases(f)[index];
      const before = await world();
      const res = await server.request(c.method, c.path, { form: c.form, auth: credentials(c.auth) });
      const label = `${c.method} ${c.path.slice(0, 80)} -> ${res.status} ${JSON.stringify(res.body)?.slice(0, 300)}`;
      assert.equal(res.status, c.status, label);
      assertTwilioError(res.body, c.status, c.code);
      assert.match(res.body.message, c.message, label);
      if (c.status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Basic/, label);
      assert.deepEqual(await world(), before, 'the state changed');
    });
  });

  it('refuses a JSON body, well-formed or not: the Wireless API takes form-encoded parameters only', async () => {
    const headers = {
      authorization: 'Basic ' + Buffer.from(`${f.master.sid}:${f.master.auth_token}`).toString('base64'),
      'content-type': 'application/json',
    };
    for (const body of [JSON.stringify({ FriendlyName: 'from-json' }), JSON.stringify({ FriendlyName: { nested: true } }), '{"FriendlyName": ']) {
      const before = await world();
      const res = await fetch(`${server.url}/v1/Sims/${f.fresh.sid}`, { method: 'POST', headers, body });
      assert.equal(res.status, 415);
      const error = await res.json();
      assertTwilioError(error, 415, 33101);
      assert.match(error.message, /form-encoded/);
      assert.deepEqual(await world(), before);
    }
  });

  it('still accepts a good request afterwards, so the fixture was not broken', async () => {
    const res = await server.request('POST', `/v1/Sims/${f.fresh.sid}`, { form: { FriendlyName: 'fine' } });
    assert.equal(res.status, 200);
    assert.equal(res.body.friendly_name, 'fine');
    const reg = await server.request('POST', '/v1/Sims', { form: { Iccid: f.spare.iccid, RegistrationCode: f.spare.code } });
    assert.equal(reg.status, 201);
  });
});
