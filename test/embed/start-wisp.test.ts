import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startWisp, WispAdminError } from '../../src/index.js';
import { createTestDatabaseUrl } from '../helpers/database.js';
import { freshIccid } from '../helpers/server.js';

describe('startWisp()', () => {
  it('serves an empty in-memory Wisp on a free port, with a Twilio client and the admin API', async () => {
    const wisp = await startWisp({ env: { WISP_OPERATOR_LATENCY_MS: '5' } });
    try {
      assert.match(wisp.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      assert.match(wisp.accountSid, /^AC[0-9a-f]{32}$/);
      const client = wisp.twilio();
      assert.deepEqual(await client.wireless.v1.sims.list(), []);
      const plan = await client.wireless.v1.ratePlans.create({ uniqueName: 'embedded' });
      assert.equal(plan.uniqueName, 'embedded');
      const iccid = freshIccid();
      assert.deepEqual(await wisp.admin.importSims([{ iccid, registration_code: 'EMBED-1' }]), { imported: 1, unchanged: 0, rejected: [] });
      const before = await wisp.admin.clock();
      const after = await wisp.admin.advanceClock('1d');
      assert.equal(after.offset_ms - before.offset_ms, 86_400_000);
      assert.equal((await wisp.admin.setNetwork({ latency_ms: 7 })).latency_ms, 7);
      await wisp.admin.snapshots.save('one');
      await wisp.admin.reset();
      assert.deepEqual(await client.wireless.v1.ratePlans.list(), []);
      await wisp.admin.snapshots.restore('one');
      assert.equal((await client.wireless.v1.ratePlans.list())[0].uniqueName, 'embedded');
      await assert.rejects(wisp.admin.snapshots.restore('missing'), (e: unknown) => e instanceof WispAdminError && e.status === 404 && e.code === 'not_found');
    } finally {
      await wisp.stop();
    }
  });

  it('gives every start a database of its own, migrated and empty, even while another runs', async () => {
    const first = await startWisp();
    const second = await startWisp();
    try {
      await first.twilio().wireless.v1.ratePlans.create({ uniqueName: 'only-in-first' });
      await first.admin.advanceClock('2d');
      const third = await startWisp();
      try {
        for (const other of [second, third]) {
          assert.deepEqual(await other.twilio().wireless.v1.ratePlans.list(), [], 'nothing of the first');
          assert.equal((await other.admin.clock()).offset_ms, 0, 'its own clock');
          assert.notEqual(other.accountSid, first.accountSid, 'its own master account');
        }
      } finally {
        await third.stop();
      }
    } finally {
      await first.stop();
      await second.stop();
    }
  });

  it('takes a seed object, fixed credentials and a database URL (SQLite or PostgreSQL)', async () => {
    const database = await createTestDatabaseUrl();
    const accountSid = 'AC' + 'ab'.repeat(16);
    const authToken = 'cd'.repeat(16);
    const iccid = freshIccid();
    const wisp = await startWisp({
      databaseUrl: database.url,
      accountSid,
      authToken,
      adminToken: 'embedded-admin-token-9f2c41d8b7e6a3059c1d',
      env: { WISP_OPERATOR_LATENCY_MS: '0' },
      seed: { ratePlans: [{ uniqueName: 'iot', dataLimit: 100 }], sims: [{ iccid, uniqueName: 't-1', ratePlan: 'iot', status: 'active' }] },
    });
    try {
      assert.deepEqual([wisp.accountSid, wisp.authToken, wisp.adminToken], [accountSid, authToken, 'embedded-admin-token-9f2c41d8b7e6a3059c1d']);
      const [sim] = await wisp.twilio().wireless.v1.sims.list();
      assert.deepEqual([sim.uniqueName, sim.status, sim.iccid], ['t-1', 'active', iccid]);
    } finally {
      await wisp.stop();
      await database.cleanup();
    }
  });

  it('refuses a bad seed with the path of the bad value, and leaves nothing running', async () => {
    await assert.rejects(startWisp({ seed: { sims: [{ iccid: 'nope' }] } as never }), /sims\[0\]\.iccid: must be 19 or 20 digits/);
  });
});
