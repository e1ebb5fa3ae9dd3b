import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { type WispProcess, adminCall, clientFor, startWispProcess, stopProcess } from '../helpers/processes.js';

// Two Wisp processes on one database share the emulated clock. A restored snapshot or a reset
// may take it back; the process that did not do it must follow, not keep its later time.

const DAY_S = 86_400;

describe('the emulated clock across processes, after a restore or a reset', () => {
  let database: TestDatabase;
  let a: WispProcess | null = null;
  let b: WispProcess | null = null;
  before(async () => {
    database = await createTestDatabaseUrl();
    a = await startWispProcess(database.url);
    b = await startWispProcess(database.url);
  });
  after(async () => {
    await stopProcess(a);
    await stopProcess(b);
    await database.cleanup();
  });

  const offsetOn = async (p: WispProcess | null) => {
    const res = await adminCall(p?.url as string, 'GET', '/admin/v1/Clock');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.offset_ms as number;
  };

  it("takes the clock back in every process when another restores a snapshot or resets, and keeps following it", async () => {
    const [urlA, urlB] = [a?.url as string, b?.url as string];
    assert.equal((await adminCall(urlA, 'POST', '/admin/v1/Snapshots', { name: 'day-zero' })).status, 201);
    assert.equal((await adminCall(urlA, 'POST', '/admin/v1/Clock', { advance_seconds: 30 * DAY_S })).status, 200);
    assert.equal(await offsetOn(b), 30 * DAY_S * 1000, 'the other process sees the clock moved forward');

    assert.equal((await adminCall(urlA, 'POST', '/admin/v1/Snapshots/day-zero/Restore')).status, 200);
    assert.equal(await offsetOn(a), 0);
    assert.equal(await offsetOn(b), 0, 'the other process took the restored clock back too');
    // What B writes now is dated on the restored clock.
    const plan = await clientFor(urlB).wireless.v1.ratePlans.create({ uniqueName: 'after-restore' });
    assert.ok(plan.dateCreated.getTime() < Date.now() + DAY_S * 1000, `dated ${plan.dateCreated.toISOString()}, not a month ahead`);

    // It still moves forward with the others, and a reset in B takes A back.
    assert.equal((await adminCall(urlB, 'POST', '/admin/v1/Clock', { advance_seconds: 2 * DAY_S })).status, 200);
    assert.equal(await offsetOn(a), 2 * DAY_S * 1000);
    assert.equal((await adminCall(urlB, 'POST', '/admin/v1/Reset')).status, 200);
    assert.equal(await offsetOn(a), 0, 'the reset took the clock back in the other process');
    assert.deepEqual((await clientFor(urlA).wireless.v1.ratePlans.list()).map((p) => p.uniqueName), [], 'and it sees the emptied state');
  });
});
