import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startServer, type TestServer } from '../helpers/server.js';
import { assertTwilioError } from '../helpers/spec.js';
import { checkResponse } from '../helpers/sdk.js';
import { moveSim, subaccount, registerSims, waitForSim } from '../helpers/sims.js';
import { deviceOf, eventually, receiver, simIn, type Received } from './helpers.js';

type Receiver = Awaited<ReturnType<typeof receiver>>;

describe('Commands through the SDK', () => {
  let server: TestServer;
  let hook: Receiver;
  before(async () => {
    server = await startServer();
    hook = await receiver();
  });
  after(async () => {
    await hook.close();
    await server.close();
  });

  const client = () => server.client();
  const fetchCommand = (sid: string) => client().wireless.v1.commands(sid).fetch();
  const waitStatus = (sid: string, status: string) => eventually(() => fetchCommand(sid), (c) => c.status === status, `Command ${sid} should become ${status}`);
  const callbacksTo = (path: string) => hook.requests.filter((r) => r.path === path);
  const waitCallbacks = (path: string, n: number) => eventually(async () => callbacksTo(path), (list) => list.length >= n, `${n} callback(s) to ${path}`);
  const signedByMaster = (r: Received) => twilio.validateRequest(server.authToken, String(r.headers['x-twilio-signature']), r.url, r.method === 'GET' ? {} : r.params);

  it('sends a text Command: queued, then sent, then delivered, with a signed callback at each step', async () => {
    const sim = await simIn(server, 'active');
    await client().wireless.v1.sims(sim.sid).update({ uniqueName: 'tracker-cmd' });
    const created = await client().wireless.v1.commands.create({ sim: 'tracker-cmd', command: 'wakeup', callbackUrl: `${hook.url}/text`, callbackMethod: 'POST' });
    assert.match(created.sid, /^DC[0-9a-f]{32}$/);
    assert.equal(created.status, 'queued');
    assert.equal(created.direction, 'to_sim');
    assert.equal(created.commandMode, 'text');
    assert.equal(created.transport, 'sms');
    assert.equal(created.deliveryReceiptRequested, true);
    assert.equal(created.command, 'wakeup');
    assert.equal(created.simSid, sim.sid);
    assert.equal(created.accountSid, server.accountSid);
    assert.equal(created.url, `${server.url}/v1/Commands/${created.sid}`);

    await waitStatus(created.sid, 'delivered');
    const calls = await waitCallbacks('/text', 2);
    assert.deepEqual(calls.map((c) => c.params.CommandStatus), ['sent', 'delivered']);
    for (const call of calls) {
      assert.equal(call.method, 'POST');
      assert.ok(signedByMaster(call), 'the callback carries a valid X-Twilio-Signature');
      assert.equal(call.params.CommandSid, created.sid);
      assert.equal(call.params.SimSid, sim.sid);
      assert.equal(call.params.SimUniqueName, 'tracker-cmd');
      assert.equal(call.params.AccountSid, server.accountSid);
      assert.equal(call.params.ApiVersion, 'v1');
      assert.equal(call.params.ErrorCode, '');
    }
  });

  it('calls a GET callback with the parameters in the query string, signed over the full URL', async () => {
    const sim = await simIn(server, 'active');
    const cmd = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'ping', callbackUrl: `${hook.url}/get?tag=1`, callbackMethod: 'GET' });
    const [sent, delivered] = await waitCallbacks('/get', 2);
    for (const call of [sent, delivered]) {
      assert.equal(call.method, 'GET');
      assert.equal(call.params.tag, '1');
      assert.equal(call.params.CommandSid, cmd.sid);
      assert.ok(signedByMaster(call));
    }
    assert.equal(delivered.params.CommandStatus, 'delivered');
  });

  it('without a delivery receipt a Command ends at sent, and so it does when the device never acknowledges', async () => {
    const sim = await simIn(server, 'active');
    const noReceipt = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'fire-and-forget', deliveryReceiptRequested: false, callbackUrl: `${hook.url}/noreceipt` });
    assert.equal(noReceipt.deliveryReceiptRequested, false);
    await waitStatus(noReceipt.sid, 'sent');
    assert.deepEqual((await waitCallbacks('/noreceipt', 1)).map((c) => c.params.CommandStatus), ['sent']);

    assert.equal((await deviceOf(server, sim.sid).set({ acknowledge_commands: false })).status, 200);
    const silent = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'no ack', callbackUrl: `${hook.url}/silent` });
    await waitCallbacks('/silent', 1);
    // The send step has run (its callback arrived); no receipt step was scheduled.
    assert.equal((await fetchCommand(silent.sid)).status, 'sent');
    const jobs = await server.admin('GET', `/admin/v1/Jobs?sim_sid=${sim.sid}&kind=command.receipt`);
    assert.equal(jobs.status, 200);
    assert.equal(jobs.body.jobs.filter((j: { payload: { commandSid: string } }) => j.payload.commandSid === silent.sid).length, 0);
  });

  it('round-trips binary payloads both ways', async () => {
    const sim = await simIn(server, 'active');
    await client().wireless.v1.sims(sim.sid).update({ commandsCallbackUrl: `${hook.url}/mo-binary` });
    const bytes = Buffer.from([0, 1, 2, 127, 128, 254, 255, 10, 13, 0]);
    const b64 = bytes.toString('base64');
    const mt = await client().wireless.v1.commands.create({ sim: sim.sid, command: b64, commandMode: 'binary' });
    assert.equal(mt.commandMode, 'binary');
    const delivered = await waitStatus(mt.sid, 'delivered');
    assert.deepEqual(Buffer.from(delivered.command, 'base64'), bytes);

    const max = Buffer.from(Array.from({ length: 140 }, (_, i) => 255 - i));
    const mo = await deviceOf(server, sim.sid).send({ command: max.toString('base64'), command_mode: 'binary' });
    assert.equal(mo.status, 201);
    checkResponse('GET', `/v1/Commands/${mo.body.sid}`, 200, mo.body);
    const [call] = await waitCallbacks('/mo-binary', 1);
    assert.deepEqual(Buffer.from(call.params.Command, 'base64'), max);
    assert.equal(call.params.CommandMode, 'binary');
    assert.ok(signedByMaster(call));
    assert.deepEqual(Buffer.from((await fetchCommand(mo.body.sid)).command, 'base64'), max);
  });

  it('delivers a Command from the SIM to its commands_callback_url with the Command parameters', async () => {
    const sim = await simIn(server, 'active');
    await client().wireless.v1.sims(sim.sid).update({ uniqueName: 'mo-sim', commandsCallbackUrl: `${hook.url}/mo?x=y`, commandsCallbackMethod: 'GET' });
    const sent = await deviceOf(server, sim.sid).send({ command: 'temp=21.5' });
    assert.equal(sent.status, 201);
    assert.equal(sent.body.direction, 'from_sim');
    assert.equal(sent.body.status, 'received');
    const [call] = await waitCallbacks('/mo', 1);
    assert.equal(call.method, 'GET');
    assert.ok(signedByMaster(call));
    assert.deepEqual(
      { ...call.params },
      {
        x: 'y',
        AccountSid: server.accountSid,
        ApiVersion: 'v1',
        CommandSid: sent.body.sid,
        Command: 'temp=21.5',
        CommandMode: 'text',
        Direction: 'from_sim',
        Transport: 'sms',
        Status: 'received',
        SimSid: sim.sid,
        SimUniqueName: 'mo-sim',
      },
    );
    const fetched = await fetchCommand(sent.body.sid);
    assert.equal(fetched.status, 'received');
    assert.equal(fetched.deliveryReceiptRequested, false);
  });

  it('keeps Commands queued while the device is offline and delivers them, in order, when it returns', async () => {
    const sim = await simIn(server, 'active');
    const device = deviceOf(server, sim.sid);
    assert.equal((await device.set({ online: false })).body.online, false);
    const first = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'one', callbackUrl: `${hook.url}/offline` });
    const second = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'two', callbackUrl: `${hook.url}/offline` });
    // Moving the clock runs every job that is due; nothing is, so both stay queued.
    const clock = await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 3600 });
    assert.equal(clock.status, 200);
    assert.equal((await fetchCommand(first.sid)).status, 'queued');
    assert.equal((await fetchCommand(second.sid)).status, 'queued');
    const refused = await device.send({ command: 'from an offline device' });
    assert.equal(refused.status, 409);
    assert.equal(refused.body.reason, 'device_offline');

    assert.equal((await device.set({ online: true })).body.online, true);
    await waitStatus(first.sid, 'delivered');
    await waitStatus(second.sid, 'delivered');
    const calls = (await waitCallbacks('/offline', 4)).map((c) => [c.params.CommandSid, c.params.CommandStatus]);
    const sends = calls.filter(([, status]) => status === 'sent').map(([sid]) => sid);
    assert.deepEqual(sends, [first.sid, second.sid], 'sent in the order they were queued');
    for (const sid of [first.sid, second.sid]) {
      const mine = calls.filter(([s]) => s === sid).map(([, status]) => status);
      assert.deepEqual(mine, ['sent', 'delivered']);
    }
  });

  it('holds a Command to a SIM whose change is in flight until the change is done', async () => {
    const sim = await simIn(server, 'active');
    const other = await client().wireless.v1.ratePlans.create({});
    assert.equal((await server.admin('POST', '/admin/v1/Network', { available: false })).status, 200);
    try {
      const updated = await client().wireless.v1.sims(sim.sid).update({ ratePlan: other.sid });
      assert.equal(updated.status, 'scheduled');
      const cmd = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'after the change' });
      assert.equal(cmd.status, 'queued');
      // Every job due by then runs before the clock answers: the send finds the Sim still scheduled.
      await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 30 });
      assert.equal((await fetchCommand(cmd.sid)).status, 'queued');
      assert.equal((await server.admin('POST', '/admin/v1/Network', { available: true })).status, 200);
      await waitForSim(client(), sim.sid, (s) => s.ratePlanSid === other.sid);
      await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 30 });
      await waitStatus(cmd.sid, 'delivered');
    } finally {
      await server.admin('POST', '/admin/v1/Network', { available: true });
    }
  });

  // 33104 (twilio.com/docs/api/errors/33104): "While sending a Command, your request was rejected
  // because SIM is not properly configured"; 33201: "your Command was rejected by its Rate Plan".
  // These were stored as failed Commands before; Twilio's pages say the request is rejected.
  it('rejects a Command to a SIM that is not ready or active (33104), or whose plan forbids Commands (33201); nothing is stored', async () => {
    const plain = await simIn(server, 'new');
    const suspended = await simIn(server, 'suspended');
    const deactivated = await simIn(server, 'deactivated');
    const noMessaging = await simIn(server, 'active', { messagingEnabled: false });
    const cases = [
      { sim: plain, status: 400, code: 33104 },
      { sim: suspended, status: 400, code: 33104 },
      { sim: deactivated, status: 400, code: 33104 },
      { sim: noMessaging, status: 403, code: 33201 },
    ];
    for (const c of cases) {
      await assert.rejects(client().wireless.v1.commands.create({ sim: c.sim.sid, command: 'hello?', callbackUrl: hook.url + '/never' }), { status: c.status, code: c.code });
      assert.equal((await client().wireless.v1.commands.list({ sim: c.sim.sid })).length, 0, 'nothing is stored');
    }
    assert.equal(callbacksTo('/never').length, 0);
    // The device of a SIM that cannot send is refused by the network, and nothing is stored.
    const mo = await deviceOf(server, noMessaging.sid).send({ command: 'out' });
    assert.equal(mo.status, 409);
    assert.equal(mo.body.reason, 'messaging_disabled');
    assert.equal(mo.body.error_code, 33203, 'Messaging not allowed');
    assert.equal((await client().wireless.v1.commands.list({ sim: noMessaging.sid, direction: 'from_sim' })).length, 0);
    // Data still flows on that plan: only Commands are off.
    assert.equal((await deviceOf(server, noMessaging.sid).session({ bytes_uploaded: 10, bytes_downloaded: 10 })).status, 201);
  });

  it('rejects a Command to a canceled SIM (33104)', async () => {
    const sim = await simIn(server, 'deactivated');
    await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 73 * 3600 });
    await eventually(() => client().wireless.v1.sims(sim.sid).fetch(), (s) => s.status === 'canceled', 'the SIM is canceled 72 hours after deactivation');
    await assert.rejects(client().wireless.v1.commands.create({ sim: sim.sid, command: 'anyone there?' }), { status: 400, code: 33104 });
  });

  it('refuses what Twilio refuses: size limits, bad base64, unknown SIMs, missing parameters', async () => {
    const sim = await simIn(server, 'active');
    const post = (form: Record<string, string>) => server.request('POST', '/v1/Commands', { form });
    const cases: [Record<string, string>, number, number][] = [
      [{ Sim: sim.sid, Command: 'x'.repeat(161) }, 400, 33101],
      [{ Sim: sim.sid, Command: 'x'.repeat(129), IncludeSid: 'start' }, 400, 33101],
      [{ Sim: sim.sid, Command: Buffer.alloc(141).toString('base64'), CommandMode: 'binary' }, 400, 33101],
      [{ Sim: sim.sid, Command: '%%%not-base64', CommandMode: 'binary' }, 400, 33101],
      [{ Sim: sim.sid, Command: 'AQID', CommandMode: 'binary', IncludeSid: 'end' }, 400, 33101],
      [{ Sim: sim.sid, Command: 'x', CommandMode: 'morse' }, 400, 33101],
      [{ Sim: sim.sid, Command: 'x', IncludeSid: 'middle' }, 400, 33101],
      [{ Sim: sim.sid, Command: 'x', CallbackUrl: 'not a url' }, 400, 33101],
      [{ Sim: sim.sid }, 400, 33102],
      [{ Command: 'x' }, 400, 33102],
      [{ Sim: 'DE' + '0'.repeat(32), Command: 'x' }, 400, 33107],
      [{ Sim: 'no-such-name', Command: 'x' }, 400, 33107],
    ];
    for (const [form, status, code] of cases) {
      const res = await post(form);
      assert.equal(res.status, status, JSON.stringify(form));
      assertTwilioError(res.body, status, code);
    }
    assert.equal((await client().wireless.v1.commands.list({ sim: sim.sid })).length, 0, 'nothing refused is stored');

    const withSid = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'x'.repeat(128), includeSid: 'start' });
    assert.equal(withSid.command, `${withSid.sid} ${'x'.repeat(128)}`);
    const full = await client().wireless.v1.commands.create({ sim: sim.sid, command: 'y'.repeat(160) });
    assert.equal(full.command.length, 160);
  });

  it('lists with Sim, Status, Direction and Transport filters and pages; fetches and deletes', async () => {
    const a = await simIn(server, 'active');
    const b = await simIn(server, 'active');
    const mts = [];
    for (let i = 0; i < 3; i++) mts.push(await client().wireless.v1.commands.create({ sim: a.sid, command: `mt ${i}` }));
    const mo = await deviceOf(server, a.sid).send({ command: 'mo' });
    const other = await client().wireless.v1.commands.create({ sim: b.sid, command: 'other' });
    for (const c of [...mts, other]) await waitStatus(c.sid, 'delivered');

    const ofA = await client().wireless.v1.commands.list({ sim: a.sid });
    assert.deepEqual(ofA.map((c) => c.sid), [...mts.map((c) => c.sid), mo.body.sid]);
    const paged = await client().wireless.v1.commands.list({ sim: a.sid, pageSize: 2 });
    assert.deepEqual(paged.map((c) => c.sid), ofA.map((c) => c.sid));
    const page = await client().wireless.v1.commands.page({ sim: a.sid, pageSize: 2 });
    assert.ok(page.nextPageUrl?.includes(`Sim=${a.sid}`));
    assert.deepEqual((await client().wireless.v1.commands.list({ sim: a.sid, direction: 'from_sim' })).map((c) => c.sid), [mo.body.sid]);
    assert.deepEqual((await client().wireless.v1.commands.list({ sim: a.sid, status: 'delivered' })).map((c) => c.sid), mts.map((c) => c.sid));
    assert.equal((await client().wireless.v1.commands.list({ sim: a.sid, transport: 'sms' })).length, 4);
    assert.equal((await client().wireless.v1.commands.list({ sim: a.sid, transport: 'ip' })).length, 0);
    assert.equal((await client().wireless.v1.commands.list({ sim: 'DE' + 'f'.repeat(32) })).length, 0);
    assert.ok((await client().wireless.v1.commands.list()).some((c) => c.sid === other.sid));

    assert.equal(await client().wireless.v1.commands(mts[0].sid).remove(), true);
    await assert.rejects(fetchCommand(mts[0].sid), { status: 404, code: 20404 });
    await assert.rejects(client().wireless.v1.commands(mts[0].sid).remove(), { status: 404, code: 20404 });
    await assert.rejects(fetchCommand('DC' + '0'.repeat(32)), { status: 404 });
    const badFilter = await server.request('GET', '/v1/Commands?Status=lost');
    assertTwilioError(badFilter.body, 400, 33101);
  });

  it("keeps accounts apart: a subaccount neither sees nor reaches another account's SIMs and Commands", async () => {
    const sub = await subaccount(server, 'commands elsewhere');
    const subClient = server.client(sub.sid, sub.auth_token);
    const [subSim] = await registerSims(server, 1, sub);
    const plan = await subClient.wireless.v1.ratePlans.create({});
    await moveSim(subClient, subSim.sid, 'active', plan.sid);
    const theirs = await subClient.wireless.v1.commands.create({ sim: subSim.sid, command: 'sub', callbackUrl: `${hook.url}/sub` });
    const [call] = await waitCallbacks('/sub', 1);
    assert.ok(twilio.validateRequest(sub.auth_token, String(call.headers['x-twilio-signature']), call.url, call.params), "signed with the owning account's token");

    const mine = await simIn(server, 'active');
    await assert.rejects(subClient.wireless.v1.commands.create({ sim: mine.sid, command: 'x' }), { status: 400, code: 33107 });
    const masterCmd = await client().wireless.v1.commands.create({ sim: mine.sid, command: 'master' });
    await assert.rejects(subClient.wireless.v1.commands(masterCmd.sid).fetch(), { status: 404 });
    assert.ok(!(await subClient.wireless.v1.commands.list()).some((c) => c.sid === masterCmd.sid));
    assert.equal((await client().wireless.v1.commands(theirs.sid).fetch()).accountSid, sub.sid, 'the master reaches its subaccount\'s Command by SID');
  });
});
