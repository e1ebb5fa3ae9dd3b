import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { startServer, type TestServer } from '../helpers/server.js';
import { registerSims, waitForSim } from '../helpers/sims.js';
import { deviceOf, eventually, receiver } from './helpers.js';

type Receiver = Awaited<ReturnType<typeof receiver>>;
type Change = { previous: unknown; updated: unknown };

describe('Usage moves a ready SIM to active', () => {
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

  /** A new SIM made ready with a CallbackUrl, so the move to active calls it again. */
  async function readySim(path: string) {
    const [sim] = await registerSims(server, 1);
    const plan = await client().wireless.v1.ratePlans.create({});
    await client().wireless.v1.sims(sim.sid).update({ ratePlan: plan.sid, status: 'ready', callbackUrl: hook.url + path });
    await waitForSim(client(), sim.sid, (s) => s.status === 'ready');
    await eventually(async () => hook.requests.filter((r) => r.path === path), (l) => l.length >= 1, 'the ready callback');
    return sim;
  }

  async function expectAutomaticActivation(simSid: string, path: string) {
    await waitForSim(client(), simSid, (s) => s.status === 'active');
    const calls = await eventually(async () => hook.requests.filter((r) => r.path === path), (l) => l.length >= 2, 'the active callback');
    assert.deepEqual(calls.map((c) => c.params.SimStatus), ['ready', 'active']);
    for (const call of calls) {
      assert.ok(twilio.validateRequest(server.authToken, String(call.headers['x-twilio-signature']), call.url, call.params));
    }
    const events = await client().monitor.v1.events.list({ resourceSid: simSid });
    const activation = events.find((e) => (e.eventData as { resource_properties: Record<string, Change> }).resource_properties.status?.updated === 'active');
    assert.ok(activation, 'a Monitor event records the move');
    assert.deepEqual((activation.eventData as { resource_properties: Record<string, Change> }).resource_properties.status, { previous: 'ready', updated: 'active' });
    assert.equal(activation.actorType, 'system');
    assert.equal(activation.source, 'twilio');
  }

  it('once it has used 250 KB of data (256,000 bytes), and not before', async () => {
    const sim = await readySim('/data');
    const device = deviceOf(server, sim.sid);
    assert.equal((await device.session({ bytes_uploaded: 100_000, bytes_downloaded: 155_999 })).status, 201);
    assert.equal((await client().wireless.v1.sims(sim.sid).fetch()).status, 'ready', '255,999 bytes is not yet 250 KB');
    assert.equal((await device.get()).body.data_bytes_total, 255_999);
    assert.equal((await device.session({ bytes_uploaded: 1, bytes_downloaded: 0 })).status, 201);
    await expectAutomaticActivation(sim.sid, '/data');
  });

  it('when the fifth Command is sent to or received from it', async () => {
    const sim = await readySim('/commands');
    for (let i = 0; i < 3; i++) {
      const c = await client().wireless.v1.commands.create({ sim: sim.sid, command: `to ${i}` });
      await eventually(() => client().wireless.v1.commands(c.sid).fetch(), (x) => x.status === 'delivered', 'delivered');
    }
    assert.equal((await deviceOf(server, sim.sid).send({ command: 'from 1' })).status, 201);
    assert.equal((await client().wireless.v1.sims(sim.sid).fetch()).status, 'ready', 'four Commands do not move it');
    assert.equal((await deviceOf(server, sim.sid).send({ command: 'from 2' })).status, 201);
    await expectAutomaticActivation(sim.sid, '/commands');
  });

  it('a Command that was refused does not count', async () => {
    const [sim] = await registerSims(server, 1);
    const plan = await client().wireless.v1.ratePlans.create({});
    for (let i = 0; i < 5; i++) await assert.rejects(client().wireless.v1.commands.create({ sim: sim.sid, command: 'too early' }), { status: 400, code: 33104 });
    await client().wireless.v1.sims(sim.sid).update({ ratePlan: plan.sid, status: 'ready' });
    await waitForSim(client(), sim.sid, (s) => s.status === 'ready');
    assert.equal((await deviceOf(server, sim.sid).get()).body.commands_total, 0);
    assert.equal((await deviceOf(server, sim.sid).send({ command: 'first real one' })).status, 201);
    assert.equal((await client().wireless.v1.sims(sim.sid).fetch()).status, 'ready');
  });
});
