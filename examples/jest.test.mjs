// The same fleet test with Jest (ES modules): `NODE_OPTIONS=--experimental-vm-modules npx jest examples/jest.test.mjs`
import { afterAll as after, beforeAll as before, beforeEach, test } from '@jest/globals';
import assert from 'node:assert/strict';
import { startWisp } from 'wisp-wireless';
import { seed } from './fleet.mjs';

let wisp;
before(async () => {
  wisp = await startWisp({ seed, env: { WISP_OPERATOR_LATENCY_MS: '0' } });
  await wisp.admin.snapshots.save('seeded');
});
after(() => wisp.stop());
beforeEach(() => wisp.admin.snapshots.restore('seeded'));

test('the seeded tracker is active on the iot plan', async () => {
  const [sim] = await wisp.twilio().wireless.v1.sims.list({ status: 'active' });
  assert.equal(sim.uniqueName, 'tracker-1');
});

test('suspending a tracker is applied by the operator', async () => {
  const client = wisp.twilio();
  await client.wireless.v1.sims('tracker-1').update({ status: 'suspended' });
  await wisp.admin.advanceClock('1s');
  assert.equal((await client.wireless.v1.sims('tracker-1').fetch()).status, 'suspended');
});

test('each test starts from the seed again', async () => {
  assert.equal((await wisp.twilio().wireless.v1.sims('tracker-1').fetch()).status, 'active');
});
