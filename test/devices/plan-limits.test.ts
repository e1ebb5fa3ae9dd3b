import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { waitForSim } from '../helpers/sims.js';
import { deviceOf, eventually, simIn } from './helpers.js';

const MB = 1024 * 1024;
const ATT = { operator_mcc: '310', operator_mnc: '410', operator_name: 'AT&T' };
const HOME = { operator_mcc: '310', operator_mnc: '260' };
const TELCEL = { operator_mcc: '334', operator_mnc: '020', operator_country: 'MEX', operator_name: 'Telcel' };

describe('Rate plans limit what SIMs do, and nothing more', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  const client = () => server.client();
  const session = (simSid: string, body: Record<string, unknown>) => deviceOf(server, simSid).session(body);
  async function commandOutcome(simSid: string): Promise<string> {
    const c = await client().wireless.v1.commands.create({ sim: simSid, command: 'status?' });
    const done = await eventually(() => client().wireless.v1.commands(c.sid).fetch(), (x) => x.status === 'delivered' || x.status === 'failed', 'the Command ends');
    return done.status;
  }
  async function dataTotal(simSid: string): Promise<number> {
    const [r] = await client().wireless.v1.sims(simSid).usageRecords.list();
    return (r.toJSON() as unknown as { data: { total: number } }).data.total;
  }

  it('data_enabled off refuses every data session; Commands still flow', async () => {
    const sim = await simIn(server, 'active', { dataEnabled: false });
    const refused = await session(sim.sid, { bytes_uploaded: 1, bytes_downloaded: 1 });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.reason, 'data_disabled');
    assert.equal(await commandOutcome(sim.sid), 'delivered');
    assert.equal(await dataTotal(sim.sid), 0, 'nothing was recorded');
    assert.equal((await client().wireless.v1.sims(sim.sid).dataSessions.list()).length, 0);
  });

  it('block: the session that crosses data_limit is cut at it, the next is refused; roaming meters on', async () => {
    const sim = await simIn(server, 'active', { dataLimit: 1, dataLimitStrategy: 'block' });
    const first = await session(sim.sid, { bytes_uploaded: 200 * 1024, bytes_downloaded: 400 * 1024 });
    assert.equal(first.body.truncated, false);
    const second = await session(sim.sid, { bytes_uploaded: 300 * 1024, bytes_downloaded: 300 * 1024 });
    assert.equal(second.status, 201);
    assert.equal(second.body.truncated, true);
    assert.equal(second.body.throttled, false);
    assert.equal(second.body.carried.bytes_uploaded + second.body.carried.bytes_downloaded, MB - 600 * 1024);
    assert.equal(second.body.carried.bytes_uploaded, second.body.carried.bytes_downloaded, 'cut in proportion');
    const third = await session(sim.sid, { bytes_uploaded: 1, bytes_downloaded: 0 });
    assert.equal(third.status, 409);
    assert.equal(third.body.reason, 'data_limit_reached');
    assert.equal(await dataTotal(sim.sid), MB);
    // National roaming has its own limit; Commands are not data.
    assert.equal((await session(sim.sid, { ...ATT, bytes_uploaded: 10, bytes_downloaded: 10 })).body.truncated, false);
    assert.equal(await commandOutcome(sim.sid), 'delivered');
  });

  it('throttle: past data_limit data flows at 64 kbit/s (8,000 bytes a second of the session)', async () => {
    const sim = await simIn(server, 'active', { dataLimit: 1, dataLimitStrategy: 'throttle' });
    const full = await session(sim.sid, { bytes_uploaded: MB / 2, bytes_downloaded: MB / 2 });
    assert.equal(full.body.throttled, false);
    const slow = await session(sim.sid, { bytes_uploaded: 0, bytes_downloaded: 5 * MB, duration_seconds: 10 });
    assert.equal(slow.status, 201);
    assert.equal(slow.body.throttled, true);
    assert.equal(slow.body.truncated, true);
    assert.equal(slow.body.carried.bytes_downloaded, 80_000);
    const small = await session(sim.sid, { bytes_uploaded: 500, bytes_downloaded: 500, duration_seconds: 1 });
    assert.deepEqual([small.status, small.body.throttled, small.body.truncated], [201, true, false], 'a trickle under the throttled rate passes whole');
    assert.equal(await dataTotal(sim.sid), MB + 80_000 + 1000);
  });

  it('national roaming off refuses other US networks for data and Commands; the home network is untouched', async () => {
    const sim = await simIn(server, 'active', { nationalRoamingEnabled: false });
    const device = deviceOf(server, sim.sid);
    const refused = await session(sim.sid, { ...ATT, bytes_uploaded: 1, bytes_downloaded: 1 });
    assert.equal(refused.body.reason, 'national_roaming_disabled');
    assert.equal((await session(sim.sid, { ...HOME, bytes_uploaded: 1, bytes_downloaded: 1 })).status, 201);
    await device.set(ATT);
    assert.equal(await commandOutcome(sim.sid), 'failed');
    assert.equal((await device.send({ command: 'x' })).body.reason, 'national_roaming_disabled');
    await device.set(HOME);
    assert.equal(await commandOutcome(sim.sid), 'delivered');
  });

  it('national_roaming_data_limit meters other US networks apart from data_limit', async () => {
    const sim = await simIn(server, 'active', { dataLimit: 5, nationalRoamingDataLimit: 1 });
    const roaming = await session(sim.sid, { ...ATT, bytes_uploaded: MB, bytes_downloaded: MB });
    assert.equal(roaming.body.truncated, true);
    assert.equal(roaming.body.carried.bytes_uploaded + roaming.body.carried.bytes_downloaded, MB);
    const home = await session(sim.sid, { bytes_uploaded: MB, bytes_downloaded: MB });
    assert.equal(home.body.truncated, false);
  });

  it('international roaming allows the services listed, within international_roaming_data_limit', async () => {
    const none = await simIn(server, 'active');
    assert.equal((await session(none.sid, { ...TELCEL, bytes_uploaded: 1, bytes_downloaded: 1 })).body.reason, 'international_data_disabled');
    await deviceOf(server, none.sid).set(TELCEL);
    assert.equal(await commandOutcome(none.sid), 'failed');

    const dataOnly = await simIn(server, 'active', { internationalRoaming: ['data'], internationalRoamingDataLimit: 1 });
    const abroad = await session(dataOnly.sid, { ...TELCEL, bytes_uploaded: 0, bytes_downloaded: 2 * MB });
    assert.deepEqual([abroad.status, abroad.body.zone, abroad.body.carried.bytes_downloaded], [201, 'international_roaming', MB]);
    assert.equal((await session(dataOnly.sid, { ...TELCEL, bytes_uploaded: 1, bytes_downloaded: 0 })).body.reason, 'data_limit_reached');
    await deviceOf(server, dataOnly.sid).set(TELCEL);
    assert.equal(await commandOutcome(dataOnly.sid), 'failed');
    assert.equal((await session(dataOnly.sid, { ...HOME, bytes_uploaded: MB, bytes_downloaded: 0 })).body.truncated, false, 'home data is metered apart');

    const messagingOnly = await simIn(server, 'active', { internationalRoaming: ['messaging'] });
    await deviceOf(server, messagingOnly.sid).set(TELCEL);
    assert.equal(await commandOutcome(messagingOnly.sid), 'delivered');
    assert.equal((await deviceOf(server, messagingOnly.sid).send({ command: 'hola' })).status, 201);
    assert.equal((await session(messagingOnly.sid, { bytes_uploaded: 1, bytes_downloaded: 1 })).body.reason, 'international_data_disabled');
  });

  it('a change of plan takes effect on the next session', async () => {
    const sim = await simIn(server, 'active', { dataEnabled: false, uniqueName: 'no-data' });
    assert.equal((await session(sim.sid, { bytes_uploaded: 1, bytes_downloaded: 1 })).body.reason, 'data_disabled');
    const open = await client().wireless.v1.ratePlans.create({ uniqueName: 'open', dataLimit: 1 });
    await client().wireless.v1.sims(sim.sid).update({ ratePlan: open.sid });
    await waitForSim(client(), sim.sid, (s) => s.ratePlanSid === open.sid);
    assert.equal((await session(sim.sid, { bytes_uploaded: 2 * MB, bytes_downloaded: 0 })).body.carried.bytes_uploaded, MB);
    await client().wireless.v1.sims(sim.sid).update({ ratePlan: 'no-data' });
    await waitForSim(client(), sim.sid, (s) => s.ratePlanSid !== open.sid);
    assert.equal((await session(sim.sid, { bytes_uploaded: 1, bytes_downloaded: 1 })).body.reason, 'data_disabled');
  });

  it('only an attached SIM uses data: new, suspended and deactivated SIMs are refused; so is an offline device', async () => {
    for (const status of ['new', 'suspended', 'deactivated'] as const) {
      const sim = await simIn(server, status);
      const res = await session(sim.sid, { bytes_uploaded: 1, bytes_downloaded: 1 });
      assert.deepEqual([res.status, res.body.reason], [409, 'sim_status'], status);
    }
    const ready = await simIn(server, 'ready');
    assert.equal((await session(ready.sid, { bytes_uploaded: 1, bytes_downloaded: 1 })).status, 201);
    await deviceOf(server, ready.sid).set({ online: false });
    assert.equal((await session(ready.sid, { bytes_uploaded: 1, bytes_downloaded: 1 })).body.reason, 'device_offline');
  });

  it('the simulator checks what it is given', async () => {
    const sim = await simIn(server, 'active');
    const bad: Record<string, unknown>[] = [
      { bytes_uploaded: 1 },
      { bytes_uploaded: -1, bytes_downloaded: 0 },
      { bytes_uploaded: 1.5, bytes_downloaded: 0 },
      { bytes_uploaded: 1, bytes_downloaded: 1, start: '2999-01-01T00:00:00Z' },
      { bytes_uploaded: 1, bytes_downloaded: 1, start: 'yesterday' },
      { bytes_uploaded: 1, bytes_downloaded: 1, imei: '490154203237519' },
      { bytes_uploaded: 1, bytes_downloaded: 1, radio_link: '6G' },
      { bytes_uploaded: 1, bytes_downloaded: 1, operator_mcc: '234', operator_mnc: '15' },
      { bytes_uploaded: 1, bytes_downloaded: 1, operator_mcc: '310', operator_mnc: '410', operator_country: 'GBR' },
      { bytes_uploaded: 1, bytes_downloaded: 1, cell_location_estimate: { lat: 100, lon: 0 } },
    ];
    for (const body of bad) {
      const res = await session(sim.sid, body);
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(typeof res.body.error, 'string');
    }
    assert.equal((await deviceOf(server, 'DE' + '0'.repeat(32)).session({ bytes_uploaded: 1, bytes_downloaded: 1 })).status, 404);
    assert.equal((await server.request('GET', `/admin/v1/Sims/${sim.sid}/Device`, { auth: null })).status, 401);
    assert.equal((await client().wireless.v1.sims(sim.sid).dataSessions.list()).length, 0);
  });
});
