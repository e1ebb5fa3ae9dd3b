import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { checkResponse } from '../helpers/sdk.js';
import { moveSim, registerSims, subaccount } from '../helpers/sims.js';
import { deviceOf, eventually, simIn } from './helpers.js';
import type { Sim } from '../../src/domain/models.js';

const ATT = { operator_mcc: '310', operator_mnc: '410', operator_name: 'AT&T' };
const TELCEL = { operator_mcc: '334', operator_mnc: '020', operator_country: 'MEX', operator_name: 'Telcel' };
const ROAMING_PLAN = { internationalRoaming: ['data', 'messaging'], internationalRoamingDataLimit: 10 };

/** Sessions at fixed times around a day and a month boundary; totals below are worked out by hand. */
const SESSIONS = [
  { start: '2025-01-31T22:10:00Z', bytes_uploaded: 1000, bytes_downloaded: 2000 },
  { start: '2025-01-31T23:59:00Z', duration_seconds: 120, bytes_uploaded: 300, bytes_downloaded: 400 },
  { start: '2025-02-01T00:00:00Z', bytes_uploaded: 5000, bytes_downloaded: 5000 },
  { start: '2025-02-01T00:30:00Z', bytes_uploaded: 10, bytes_downloaded: 20 },
  { start: '2025-02-02T12:00:00Z', bytes_uploaded: 7, bytes_downloaded: 8, ...ATT },
  { start: '2025-02-02T13:00:00Z', bytes_uploaded: 11, bytes_downloaded: 22, ...TELCEL },
  { start: '2025-03-01T00:00:00Z', bytes_uploaded: 1, bytes_downloaded: 1 },
];

type Usage = { data: any; commands: any; period: { start: string; end: string } };
const iso = (d: Date | string) => (typeof d === 'string' ? d : d.toISOString().replace('.000Z', 'Z'));
/** [upload, download] of a record's data and of its home, national and (per country) international parts. */
const dataOf = (r: Usage) => ({
  all: [r.data.upload, r.data.download],
  home: [r.data.home.upload, r.data.home.download],
  national: [r.data.national_roaming.upload, r.data.national_roaming.download],
  abroad: r.data.international_roaming.map((c: any) => [c.country, c.upload, c.download]),
});

describe('Data sessions and usage records', () => {
  let server: TestServer;
  let sim: Sim;
  before(async () => {
    server = await startServer();
    sim = await simIn(server, 'active', ROAMING_PLAN);
    for (const s of SESSIONS) {
      const res = await deviceOf(server, sim.sid).session(s);
      assert.equal(res.status, 201, JSON.stringify(res.body));
    }
  });
  after(() => server.close());

  const client = () => server.client();
  const records = (params: Record<string, unknown>) =>
    client().wireless.v1.sims(sim.sid).usageRecords.list(params).then((list) => list.map((r) => r.toJSON() as unknown as Usage));

  it('records every documented field of a session', async () => {
    const res = await deviceOf(server, sim.sid).session({
      start: '2025-01-15T08:00:00Z',
      duration_seconds: 600,
      bytes_uploaded: 3000,
      bytes_downloaded: 4500,
      radio_link: '3G',
      cell_id: 'A1B2-77',
      cell_location_estimate: { lat: 40.7128, lon: -74.006 },
      imei: '490154203237518',
    });
    assert.equal(res.status, 201);
    assert.deepEqual(res.body.requested, { bytes_uploaded: 3000, bytes_downloaded: 4500 });
    assert.deepEqual(res.body.carried, res.body.requested);
    assert.equal(res.body.zone, 'home');
    const listed = await client().wireless.v1.sims(sim.sid).dataSessions.list();
    const session = listed.find((s) => s.sid === res.body.data_session.sid);
    assert.ok(session);
    assert.match(session.sid, /^WN[0-9a-f]{32}$/);
    assert.equal(session.simSid, sim.sid);
    assert.equal(session.accountSid, server.accountSid);
    assert.equal(session.radioLink, '3G');
    assert.equal(session.operatorMcc, '310');
    assert.equal(session.operatorMnc, '260');
    assert.equal(session.operatorCountry, 'USA');
    assert.equal(session.operatorName, 'T-Mobile USA');
    assert.equal(session.cellId, 'A1B2-77');
    assert.deepEqual(session.cellLocationEstimate, { lat: 40.7128, lon: -74.006 });
    assert.equal(session.packetsUploaded, 2, 'packets counted at 1500 bytes each when the device does not say');
    assert.equal(session.packetsDownloaded, 3);
    assert.equal(iso(session.start), '2025-01-15T08:00:00Z');
    assert.equal(iso(session.end), '2025-01-15T08:10:00Z');
    assert.ok(session.lastUpdated instanceof Date);
    assert.equal(session.imei, '490154203237518');
  });

  it('lists sessions overlapping Start..End, page by page', async () => {
    const path = `/v1/Sims/${sim.sid}/DataSessions`;
    const res = await server.request('GET', `${path}?Start=2025-01-31T23:00:00Z&End=2025-02-01T00:00:30Z&PageSize=1`);
    assert.equal(res.status, 200);
    checkResponse('GET', path, 200, res.body);
    const starts: string[] = res.body.data_sessions.map((s: { start: string }) => s.start);
    let next: string | null = res.body.meta.next_page_url;
    assert.ok(next?.includes('Start=2025-01-31T23%3A00%3A00Z'), 'links keep the filters');
    while (next) {
      const page = await server.request('GET', next.slice(server.url.length));
      checkResponse('GET', path, 200, page.body);
      starts.push(...page.body.data_sessions.map((s: { start: string }) => s.start));
      next = page.body.meta.next_page_url;
    }
    // The session that started at 23:59 ran past midnight; the 00:00 one started inside the range.
    assert.deepEqual(starts, ['2025-01-31T23:59:00Z', '2025-02-01T00:00:00Z']);
    const all = await client().wireless.v1.sims(sim.sid).dataSessions.list({ pageSize: 2 });
    assert.equal(all.length, SESSIONS.length + 1);
    const bad = await server.request('GET', `${path}?Start=2025-02-02T00:00:00Z&End=2025-02-01T00:00:00Z`);
    assertTwilioError(bad.body, 400, 33101);
  });

  it('all: one record with the totals of the whole span, split by zone and country', async () => {
    const [r, ...rest] = await records({ start: new Date('2025-01-31T00:00:00Z'), end: new Date('2025-03-01T23:59:59Z') });
    assert.equal(rest.length, 0);
    assert.deepEqual(r.period, { start: '2025-01-31T00:00:00Z', end: '2025-03-02T00:00:00Z' });
    assert.deepEqual(dataOf(r), {
      all: [1000 + 300 + 5000 + 10 + 7 + 11 + 1, 2000 + 400 + 5000 + 20 + 8 + 22 + 1],
      home: [1000 + 300 + 5000 + 10 + 1, 2000 + 400 + 5000 + 20 + 1],
      national: [7, 8],
      abroad: [['MEX', 11, 22]],
    });
    assert.equal(r.data.total, 6329 + 7451);
    assert.equal(r.data.units, 'bytes');
    assert.equal(r.data.billing_units, 'USD');
    assert.equal(r.data.international_roaming[0].total, 33);
    assert.deepEqual(r.commands.home, { billing_units: 'USD', billed: 0, total: 0, from_sim: 0, to_sim: 0 });
  });

  it('daily: UTC days across a day boundary, the first and last cut to Start and End', async () => {
    const list = await records({ granularity: 'daily', start: new Date('2025-01-31T22:30:00Z'), end: new Date('2025-02-02T12:30:00Z') });
    assert.deepEqual(list.map((r) => r.period), [
      { start: '2025-01-31T22:00:00Z', end: '2025-02-01T00:00:00Z' },
      { start: '2025-02-01T00:00:00Z', end: '2025-02-02T00:00:00Z' },
      { start: '2025-02-02T00:00:00Z', end: '2025-02-02T13:00:00Z' },
    ]);
    assert.deepEqual(list.map((r) => dataOf(r).all), [[1300, 2400], [5010, 5020], [7, 8]]);
    assert.deepEqual(dataOf(list[2]).national, [7, 8]);
  });

  it('daily: across a month boundary, days without usage are reported as zero', async () => {
    const list = await records({ granularity: 'daily', start: new Date('2025-02-27T00:00:00Z'), end: new Date('2025-03-01T23:59:59Z') });
    assert.deepEqual(list.map((r) => [r.period.start, ...dataOf(r).all]), [
      ['2025-02-27T00:00:00Z', 0, 0],
      ['2025-02-28T00:00:00Z', 0, 0],
      ['2025-03-01T00:00:00Z', 1, 1],
    ]);
  });

  it('hourly: each UTC hour; a session counts in the hour it started', async () => {
    const list = await records({ granularity: 'hourly', start: new Date('2025-01-31T22:00:00Z'), end: new Date('2025-02-01T01:00:00Z') });
    assert.deepEqual(list.map((r) => [r.period.start, r.period.end, ...dataOf(r).all]), [
      ['2025-01-31T22:00:00Z', '2025-01-31T23:00:00Z', 1000, 2000],
      ['2025-01-31T23:00:00Z', '2025-02-01T00:00:00Z', 300, 400],
      ['2025-02-01T00:00:00Z', '2025-02-01T01:00:00Z', 5010, 5020],
      ['2025-02-01T01:00:00Z', '2025-02-01T02:00:00Z', 0, 0],
    ]);
  });

  it('pages hourly records and keeps the span in every link', async () => {
    const path = `/v1/Sims/${sim.sid}/UsageRecords`;
    const first = await server.request('GET', `${path}?Granularity=hourly&Start=2025-02-01T00:00:00Z&End=2025-02-02T23:59:59Z&PageSize=20`);
    assert.equal(first.status, 200);
    checkResponse('GET', path, 200, first.body);
    assert.equal(first.body.usage_records.length, 20);
    const next = new URL(first.body.meta.next_page_url);
    assert.equal(next.searchParams.get('Start'), '2025-02-01T00:00:00Z');
    assert.equal(next.searchParams.get('End'), '2025-02-02T23:59:59Z');
    assert.equal(next.searchParams.get('Granularity'), 'hourly');
    const all = await records({ granularity: 'hourly', start: new Date('2025-02-01T00:00:00Z'), end: new Date('2025-02-02T23:59:59Z'), pageSize: 7 });
    assert.equal(all.length, 48);
    assert.equal(all[12].period.start, '2025-02-01T12:00:00Z');
    const sum = all.reduce((n, r) => n + r.data.total, 0);
    assert.equal(sum, 5000 + 5000 + 10 + 20 + 7 + 8 + 11 + 22);
  });

  it('defaults to the month before now, and refuses bad dates and granularities', async () => {
    const [r] = await records({});
    const end = Date.parse(r.period.end);
    const start = Date.parse(r.period.start);
    assert.ok(end - start >= 28 * 24 * 3600_000 && end - start <= 31 * 24 * 3600_000 + 2 * 3600_000);
    const path = `/v1/Sims/${sim.sid}/UsageRecords`;
    for (const query of ['Granularity=weekly', 'Start=yesterday', 'End=2025-13-01T00:00:00Z', 'Start=2025-02-02T00:00:00Z&End=2025-02-01T00:00:00Z']) {
      const res = await server.request('GET', `${path}?${query}`);
      assert.equal(res.status, 400, query);
      assertTwilioError(res.body, 400, 33101);
    }
    await assert.rejects(client().wireless.v1.sims('DE' + '0'.repeat(32)).usageRecords.list(), { status: 404 });
  });

  it("account-wide records sum the account's own SIMs, not its subaccounts'", async () => {
    const sub = await subaccount(server, 'usage elsewhere');
    const subClient = server.client(sub.sid, sub.auth_token);
    const subSims = await registerSims(server, 2, sub);
    const plan = await subClient.wireless.v1.ratePlans.create({});
    for (const s of subSims) await moveSim(subClient, s.sid, 'active', plan.sid);
    await deviceOf(server, subSims[0].sid).session({ start: '2025-02-01T10:00:00Z', bytes_uploaded: 100, bytes_downloaded: 200 });
    await deviceOf(server, subSims[1].sid).session({ start: '2025-02-01T11:00:00Z', bytes_uploaded: 1000, bytes_downloaded: 2000 });
    await deviceOf(server, subSims[1].sid).session({ start: '2025-02-02T11:00:00Z', bytes_uploaded: 1, bytes_downloaded: 2 });

    const daily = await subClient.wireless.v1.usageRecords.list({ granularity: 'daily', start: new Date('2025-02-01T00:00:00Z'), end: new Date('2025-02-02T23:59:59Z') });
    const rows = daily.map((r) => r.toJSON() as unknown as Usage & { accountSid: string });
    assert.deepEqual(rows.map((r) => [r.period.start, r.data.upload, r.data.download]), [
      ['2025-02-01T00:00:00Z', 1100, 2200],
      ['2025-02-02T00:00:00Z', 1, 2],
    ]);
    assert.ok(rows.every((r) => r.accountSid === sub.sid));

    const [masterAll] = await client().wireless.v1.usageRecords.list({ start: new Date('2025-02-01T00:00:00Z'), end: new Date('2025-02-01T23:59:59Z') });
    assert.equal((masterAll.toJSON() as unknown as Usage).data.total, 5000 + 5000 + 10 + 20, "the master's own SIM only");
    const [subSim] = await subClient.wireless.v1.sims(subSims[1].sid).usageRecords.list({ start: new Date('2025-02-01T00:00:00Z'), end: new Date('2025-02-02T23:59:59Z') });
    assert.equal((subSim.toJSON() as unknown as Usage).data.total, 3003);
    await assert.rejects(subClient.wireless.v1.sims(sim.sid).usageRecords.list(), { status: 404 });
  });
});

describe('Commands in usage records', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('counts each Command in the UTC day and zone it was sent or received, across midnight', async () => {
    const client = server.client();
    const sim = await simIn(server, 'active', ROAMING_PLAN);
    const device = deviceOf(server, sim.sid);
    const clock = await server.admin('GET', '/admin/v1/Clock');
    const now = Date.parse(clock.body.now);
    const midnight = Math.ceil(now / 86_400_000) * 86_400_000 + 86_400_000;
    assert.equal((await server.admin('POST', '/admin/v1/Clock', { now: new Date(midnight - 600_000).toISOString() })).status, 200);

    const deliver = async (command: string) => {
      const c = await client.wireless.v1.commands.create({ sim: sim.sid, command });
      await eventually(() => client.wireless.v1.commands(c.sid).fetch(), (x) => x.status === 'delivered', 'delivered');
    };
    await deliver('before midnight 1');
    await deliver('before midnight 2');
    assert.equal((await device.send({ command: 'mo before midnight' })).status, 201);

    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 1200 });
    await deliver('after midnight');
    await device.set({ ...TELCEL });
    assert.equal((await device.send({ command: 'mo abroad 1' })).status, 201);
    assert.equal((await device.send({ command: 'mo abroad 2' })).status, 201);

    const day = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
    const list = await client.wireless.v1.sims(sim.sid).usageRecords.list({ granularity: 'daily', start: new Date(midnight - 86_400_000), end: new Date(midnight + 86_400_000 - 1000) });
    const rows = list.map((r) => r.toJSON() as unknown as Usage);
    assert.deepEqual(
      rows.map((r) => [r.period.start, r.commands.to_sim, r.commands.from_sim, r.commands.total]),
      [
        [day(midnight - 86_400_000), 2, 1, 3],
        [day(midnight), 1, 2, 3],
      ],
    );
    assert.deepEqual(rows[1].commands.home, { billing_units: 'USD', billed: 0, total: 1, from_sim: 0, to_sim: 1 });
    assert.deepEqual(rows[1].commands.international_roaming, [{ country: 'MEX', billing_units: 'USD', billed: 0, total: 2, from_sim: 2, to_sim: 0 }]);
    const [account] = await client.wireless.v1.usageRecords.list({ start: new Date(midnight - 86_400_000), end: new Date(midnight + 86_400_000 - 1000) });
    assert.equal((account.toJSON() as unknown as Usage).commands.total, 6);
  });
});
