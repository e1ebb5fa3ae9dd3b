import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestServer } from '../helpers/server.js';
import { startFastServer } from '../helpers/lifecycle.js';
import { JobRunner, type TaskHandlers } from '../../src/engine/index.js';
import type { WispJobKind, WispTasks } from '../../src/domain/tasks.js';
import type { WispStore } from '../../src/store/kysely-store.js';

// The admin API's view of the job engine: a dead job can be given another chance. The engine
// itself is tested on a bare database (runner.test.ts, queue.test.ts); this is the HTTP side.

describe('the admin job endpoints', () => {
  // WISP_ROLE=api: no background worker, so the job below is run only by the runner this test builds.
  let server: TestServer;
  before(async () => {
    server = await startFastServer({ WISP_ROLE: 'api' });
  });
  after(() => server.close());

  it('retries a dead job once: 200 with the job pending and its attempts reset, then 409', async () => {
    const { store, engine } = server.wisp;
    const now = engine.clock.now();
    // A job whose every attempt fails: with one attempt it is dead at once.
    const kind = 'test.job' as WispJobKind;
    const id = await store.jobs.enqueue({ kind, queue: null, payload: { callback: null }, runAt: now }, now);
    const failing = { [kind]: { run: async () => Promise.reject(new Error('the receiver is gone')) } } as unknown as TaskHandlers<WispTasks, WispStore>;
    const runner = new JobRunner<WispTasks, WispStore>(store, engine.clock, failing, { ...engine.runner.settings, groups: undefined, maxAttempts: 1 }, { warn: () => {}, error: () => {} });
    const leased = await runner.lease(10);
    assert.deepEqual(leased.map((j) => j.id), [id]);
    await runner.run(leased[0]);

    const dead = await server.admin('GET', '/admin/v1/Jobs?state=dead');
    assert.equal(dead.status, 200);
    assert.deepEqual(dead.body.jobs.map((j: { id: number; kind: string; last_error: string }) => [j.id, j.kind, j.last_error]), [[id, 'test.job', 'the receiver is gone']]);

    const revived = await server.admin('POST', `/admin/v1/Jobs/${id}/Retry`);
    assert.equal(revived.status, 200);
    assert.equal(revived.body.id, id);
    assert.equal(revived.body.state, 'pending');
    assert.equal(revived.body.attempts, 0);
    assert.equal((await store.jobs.get(id))?.state, 'pending');

    assert.equal((await server.admin('POST', `/admin/v1/Jobs/${id}/Retry`)).status, 409, 'a pending job is not retried');
    assert.equal((await server.admin('POST', `/admin/v1/Jobs/${id + 1000}/Retry`)).status, 404, 'one that does not exist is not found');
  });
});
