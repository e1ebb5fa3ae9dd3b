import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freshIccid, startServer, type TestServer } from '../helpers/server.js';
import { FAST_ENGINE, startFastServer } from '../helpers/lifecycle.js';
import { loadSeedFile, SeedFileError } from '../../src/seed-file.js';

const dir = mkdtempSync(join(tmpdir(), 'wisp-seeds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function seedOf(iccids: string[]) {
  return {
    accounts: [{ friendlyName: 'Fleet customer' }],
    ratePlans: [
      { uniqueName: 'iot', friendlyName: 'IoT 100 MB', dataLimit: 100 },
      { uniqueName: 'customer-iot', dataLimit: 50, account: 'Fleet customer' },
    ],
    simCards: [{ iccid: iccids[0], registrationCode: 'SPARE-1' }],
    sims: [
      { iccid: iccids[1], uniqueName: 't-1', ratePlan: 'iot', status: 'active' },
      { iccid: iccids[2], uniqueName: 't-2', ratePlan: 'iot', status: 'suspended', friendlyName: 'Tracker two' },
      { iccid: iccids[3], uniqueName: 't-3' },
      { iccid: iccids[4], uniqueName: 't-4', ratePlan: 'customer-iot', status: 'ready', account: 'Fleet customer' },
    ],
  };
}

describe('seeds', () => {
  let server: TestServer;
  before(async () => {
    server = await startFastServer();
  });
  after(() => server.close());

  it('POST /admin/v1/Seed creates accounts, rate plans, cards and SIMs in their statuses', async () => {
    const iccids = Array.from({ length: 5 }, freshIccid);
    const res = await server.admin('POST', '/admin/v1/Seed', seedOf(iccids));
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(res.body, { accounts: 1, rate_plans: 2, sim_cards: 5, sims: 4 });
    const client = server.client();
    const [plan] = await client.wireless.v1.ratePlans.list();
    assert.equal(plan.uniqueName, 'iot');
    assert.equal(plan.dataLimit, 100);
    const customer = (await client.api.v2010.accounts.list({ friendlyName: 'Fleet customer' }))[0];
    const customerPlan = (await server.client(customer.sid, customer.authToken).wireless.v1.ratePlans.list())[0];
    assert.equal(customerPlan.uniqueName, 'customer-iot');
    const subClient = server.client(customer.sid, customer.authToken);
    const sims = [...(await client.wireless.v1.sims.list()), ...(await subClient.wireless.v1.sims.list())];
    const byName = Object.fromEntries(sims.map((s) => [s.uniqueName, s]));
    assert.deepEqual(
      ['t-1', 't-2', 't-3', 't-4'].map((n) => [n, byName[n]?.status, byName[n]?.ratePlanSid ?? null]),
      [['t-1', 'active', plan.sid], ['t-2', 'suspended', plan.sid], ['t-3', 'new', null], ['t-4', 'ready', customerPlan.sid]],
    );
    assert.equal(byName['t-2'].friendlyName, 'Tracker two');
    assert.equal(byName['t-4'].accountSid, customer.sid);
    // The listed card waits in the inventory for registration with its own code.
    const registered = await server.request('POST', '/v1/Sims', { form: { Iccid: iccids[0], RegistrationCode: 'SPARE-1' } });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
  });

  it('refuses a bad seed, naming the path of the bad value, and writes nothing', async () => {
    const iccids = Array.from({ length: 5 }, freshIccid);
    const before = (await server.client().wireless.v1.sims.list()).length;
    const cases: [unknown, string][] = [
      [[], '(the seed)'],
      [{ sims: {} }, 'sims'],
      [{ plans: [] }, 'plans'],
      [{ sims: [{ uniqueName: 'x' }] }, 'sims[0].iccid'],
      [{ sims: [{ iccid: iccids[0], status: 'flying' }] }, 'sims[0].status'],
      [{ sims: [{ iccid: iccids[0], status: 'active' }] }, 'sims[0].ratePlan'],
      [{ ratePlans: [{ uniqueName: 'p', dataLimit: 'lots' }] }, 'ratePlans[0].dataLimit'],
      [{ sims: [{ iccid: '1234' }] }, 'sims[0].iccid'],
      [{ sims: [{ iccid: iccids[0], account: 'nobody' }] }, 'sims[0].account'],
      [{ ratePlans: [{ uniqueName: 'p' }, { uniqueName: 'p' }] }, 'ratePlans[1].uniqueName'],
      [{ ...seedOf(iccids), simCards: [{ iccid: iccids[0], registrationCode: 'x' }] }, 'simCards[0].registrationCode'],
    ];
    for (const [seed, path] of cases) {
      const res = await server.admin('POST', '/admin/v1/Seed', seed);
      assert.equal(res.status, 400, JSON.stringify(seed));
      assert.equal(res.body.code, 'invalid_body');
      assert.equal(res.body.path, path, JSON.stringify(res.body));
      assert.ok(res.body.error.startsWith(`${path}: `), res.body.error);
    }
    assert.equal((await server.client().wireless.v1.sims.list()).length, before);
    assert.equal((await server.client().wireless.v1.ratePlans.list()).length, 1);
  });

  it('loads all or nothing: a refusal only the services find, at the last Sim, leaves nothing of the seed behind', async () => {
    const iccids = Array.from({ length: 4 }, freshIccid);
    const client = server.client();
    const state = async () => ({
      accounts: (await client.api.v2010.accounts.list()).map((a) => a.sid).sort(),
      plans: (await client.wireless.v1.ratePlans.list()).map((p) => p.sid).sort(),
      sims: (await client.wireless.v1.sims.list()).map((s) => `${s.sid} ${s.status}`).sort(),
      events: (await client.monitor.v1.events.list()).length,
      jobs: (await server.admin('GET', '/admin/v1/Jobs?limit=1000')).body.jobs.length,
    });
    const before = await state();
    const seed = {
      accounts: [{ friendlyName: 'Never created' }],
      ratePlans: [
        { uniqueName: 'fine', dataLimit: 10 },
        { uniqueName: 'legacy', dataMetering: 'quota-10' },
      ],
      simCards: [{ iccid: iccids[0], registrationCode: 'NEVER-1' }],
      sims: [
        { iccid: iccids[1], uniqueName: 'first', ratePlan: 'fine', status: 'suspended' },
        { iccid: iccids[2], uniqueName: 'second', ratePlan: 'fine', status: 'active' },
        // 33122: a Sim cannot become active on a plan whose DataMetering is not payg.
        { iccid: iccids[3], uniqueName: 'third', ratePlan: 'legacy', status: 'active' },
      ],
    };
    const res = await server.admin('POST', '/admin/v1/Seed', seed);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.path, 'sims[2]', JSON.stringify(res.body));
    assert.match(res.body.error, /DataMetering quota-10 is deprecated/);
    assert.deepEqual(await state(), before, 'no account, plan, Sim, event or job of the seed is left');
    for (const [iccid, code] of [[iccids[0], 'NEVER-1'], [iccids[1], `SEED${iccids[1].slice(-8)}`]]) {
      const registered = await server.request('POST', '/v1/Sims', { form: { Iccid: iccid, RegistrationCode: code } });
      assert.equal(registered.body.code, 83002, `the card ${iccid} was never imported`);
    }
  });
});

describe('seed files', () => {
  it('WISP_SEED loads a YAML seed into an empty database instead of the demo fleet', async () => {
    const [a, b] = [freshIccid(), freshIccid()];
    const file = join(dir, 'fleet.yaml');
    writeFileSync(file, `ratePlans:\n  - uniqueName: iot\n    dataLimit: 100\nsims:\n  - iccid: "${a}"\n    uniqueName: t-1\n    ratePlan: iot\n    status: active\n  - iccid: "${b}"\n    uniqueName: t-2\n`);
    const server = await startServer({ ...FAST_ENGINE, WISP_DEMO: '1', WISP_SEED: file });
    try {
      const sims = await server.client().wireless.v1.sims.list();
      assert.deepEqual(sims.map((s) => [s.uniqueName, s.status]).sort(), [['t-1', 'active'], ['t-2', 'new']]);
    } finally {
      await server.close();
    }
  });

  it('names the file and line of a bad value in YAML and in JSON', () => {
    const yaml = join(dir, 'bad.yaml');
    writeFileSync(yaml, 'ratePlans:\n  - uniqueName: iot\nsims:\n  - iccid: "89012600000000000011"\n    status: flying\n');
    assert.throws(() => loadSeedFile(yaml), (e: Error) => e instanceof SeedFileError && e.message === `${yaml}:5: sims[0].status: must be one of new, ready, active, suspended, deactivated`);
    const json = join(dir, 'bad.json');
    writeFileSync(json, '{\n  "sims": [\n    { "iccid": "89012600000000000011" },\n    { "iccid": 42 }\n  ]\n}\n');
    assert.throws(() => loadSeedFile(json), (e: Error) => e instanceof SeedFileError && e.message === `${json}:4: sims[1].iccid: must be a string`);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{\n  "sims": [\n    { "iccid": \n');
    assert.throws(() => loadSeedFile(broken), (e: Error) => e instanceof SeedFileError && e.message.startsWith(`${broken}:`));
    assert.throws(() => loadSeedFile(join(dir, 'missing.yaml')), (e: Error) => e instanceof SeedFileError && /cannot be read/.test(e.message));
  });
});
