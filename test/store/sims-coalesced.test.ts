import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { registerSims, subaccount } from '../helpers/sims.js';
import { assertMatchesSpec, assertTwilioError } from '../helpers/spec.js';
import { newSid } from '../../src/domain/sids.js';
import type { Sim } from '../../src/domain/models.js';

// Reads of a Sim by SID outside a transaction are coalesced into shared queries
// (src/store/tuning/batch.ts): many at once must still each get their own Sim, and fresh data.

describe('Sims read together', () => {
  let server: TestServer;
  let sims: Sim[];
  before(async () => {
    server = await startServer();
    sims = await registerSims(server, 8);
  });
  after(() => server.close());

  it('gives each concurrent reader in the store its own Sim, and nothing for an unknown SID', async () => {
    const store = server.wisp.store;
    const unknown = newSid('DE');
    const asked = [...sims, ...sims].reverse().map((s) => s.sid);
    asked.splice(3, 0, unknown);
    const got = await Promise.all(asked.map((sid) => store.sims.get(sid)));
    assert.deepEqual(
      got.map((s) => s?.sid),
      asked.map((sid) => (sid === unknown ? undefined : sid)),
    );
    for (const sim of got) if (sim) assert.deepEqual(sim, sims.find((s) => s.sid === sim.sid));
  });

  it('answers many concurrent fetches over HTTP, each with its own Sim, and 404 for an unknown SID', async () => {
    const unknown = newSid('DE');
    const paths = [...sims.map((s) => s.sid), unknown, ...sims.map((s) => s.sid)].map((sid) => `/v1/Sims/${sid}`);
    const responses = await Promise.all(paths.map((path) => server.request('GET', path)));
    responses.forEach((res, i) => {
      const sid = paths[i].slice('/v1/Sims/'.length);
      if (sid === unknown) return assertTwilioError(res.body, 404, 20404);
      assert.equal(res.status, 200);
      assert.equal(res.body.sid, sid);
      assert.equal(res.body.iccid, sims.find((s) => s.sid === sid)?.iccid);
      assertMatchesSpec('wireless', 'GET', '/v1/Sims/{Sid}', 200, res.body);
    });
  });

  it('sees a change committed before the read began, even while other reads are in flight', async () => {
    const [target, ...others] = sims;
    for (let round = 0; round < 5; round++) {
      const name = `round-${round}`;
      // Reads of other Sims keep the store busy around the write.
      const background = Promise.all(others.map((s) => server.request('GET', `/v1/Sims/${s.sid}`)));
      const updated = await server.request('POST', `/v1/Sims/${target.sid}`, { form: { FriendlyName: name } });
      assert.equal(updated.body.friendly_name, name);
      const [viaStore, viaHttp] = await Promise.all([server.wisp.store.sims.get(target.sid), server.request('GET', `/v1/Sims/${target.sid}`)]);
      assert.equal(viaStore?.friendly_name, name);
      assert.equal(viaHttp.body.friendly_name, name);
      await background;
    }
  });

  it('still reads inside a transaction what the transaction itself wrote', async () => {
    const store = server.wisp.store;
    const [sim] = sims;
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.sims.update(sim.sid, { friendly_name: 'uncommitted' });
        assert.equal((await tx.sims.get(sim.sid))?.friendly_name, 'uncommitted');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.notEqual((await store.sims.get(sim.sid))?.friendly_name, 'uncommitted');
  });

  it('keeps a subaccount from reading another account’s Sim among concurrent reads', async () => {
    const sub = await subaccount(server, 'coalesced');
    const [own] = await registerSims(server, 1, sub);
    const auth: [string, string] = [sub.sid, sub.auth_token];
    const [mine, theirs] = await Promise.all([
      server.request('GET', `/v1/Sims/${own.sid}`, { auth }),
      server.request('GET', `/v1/Sims/${sims[0].sid}`, { auth }),
    ]);
    assert.equal(mine.body.sid, own.sid);
    assertTwilioError(theirs.body, 404, 20404);
  });
});
