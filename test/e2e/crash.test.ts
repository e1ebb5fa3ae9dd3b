import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { freshIccid } from '../helpers/server.js';
import { type Receiver, startReceiver, until } from '../helpers/lifecycle.js';
import { AUTH_TOKEN, FAST_ENGINE as ENGINE, type WispProcess, adminCall, clientFor, pool, registerThrough, startWispProcess, stopProcess } from '../helpers/processes.js';

// A real Wisp process on a file database (or PostgreSQL in that pass), killed with SIGKILL while
// hundreds of status changes and their callbacks are in flight, then restarted: nothing
// accepted may be lost.

const SIMS = 150;
const startWisp = (databaseUrl: string) => startWispProcess(databaseUrl, ENGINE);
const admin = adminCall;

describe('crash safety of a real server process', () => {
  let database: TestDatabase;
  let hook: Receiver;
  let wisp: WispProcess | null = null;
  before(async () => {
    database = await createTestDatabaseUrl();
    hook = await startReceiver();
  });
  after(async () => {
    await stopProcess(wisp);
    await hook.close();
    await database.cleanup();
  });

  /** Requests `status` for every Sim, killing the process with SIGKILL once `killAfter` were accepted. */
  async function wave(sids: string[], status: string, killAfter: number) {
    const running = wisp as WispProcess;
    const client = clientFor(running.url as string);
    const accepted = new Set<string>();
    const unknown = new Set<string>();
    let killed = false;
    await pool(sids, 16, async (sid) => {
      if (killed) {
        unknown.add(sid);
        return;
      }
      try {
        const answer = await client.wireless.v1.sims(sid).update({ status: status as never, callbackUrl: `${hook.url}/cb/${sid}` });
        assert.ok(answer.status === 'updating' || answer.status === 'scheduled', `accepted as in flight, got ${answer.status}`);
        accepted.add(sid);
        if (accepted.size === killAfter && !killed) {
          killed = true;
          running.child.kill('SIGKILL');
        }
      } catch (error) {
        // A request cut off by the kill may or may not have committed.
        assert.ok(killed, `only requests cut off by the kill fail: ${String(error)}`);
        unknown.add(sid);
      }
    });
    if (!killed) {
      killed = true;
      running.child.kill('SIGKILL');
    }
    const { signal } = await running.exited;
    assert.equal(signal, 'SIGKILL');
    return { accepted, unknown };
  }

  it('loses no accepted change and no callback across SIGKILLs, and drains on SIGTERM', async () => {
    wisp = await startWisp(database.url);
    const url = () => (wisp as WispProcess).url as string;
    const setup = clientFor(url());
    const plan = await setup.wireless.v1.ratePlans.create({ uniqueName: 'crash-plan' });
    const sids = await registerThrough(url(), Array.from({ length: SIMS }, (_, i) => ({ iccid: freshIccid(), registration_code: `CRASH${i}` })));
    await pool(sids, 16, async (sid) => {
      await setup.wireless.v1.sims(sid).update({ ratePlan: plan.sid });
    });
    await until('every Sim has its plan', async () => (await setup.wireless.v1.sims.list({ status: 'new', ratePlan: plan.sid, pageSize: 1000 })).length, (n) => n === SIMS, { tries: 500 });

    // Wave 1: every Sim → active; killed after a third of the requests were accepted.
    const first = await wave(sids, 'active', Math.floor(SIMS / 3));
    wisp = await startWisp(database.url);
    // Wave 1, continued after the restart for the Sims whose request was lost with the process.
    const rest = [...first.unknown];
    const client = clientFor(url());
    await until('the plan changes and wave 1 settle', async () => {
      const page = await client.wireless.v1.sims.list({ pageSize: 1000 });
      return page.filter((s) => s.status === 'updating' || s.status === 'scheduled').length;
    }, (n) => n === 0, { tries: 500 });
    for (const sid of rest) {
      const sim = await client.wireless.v1.sims(sid).fetch();
      if (sim.status === 'new') {
        await client.wireless.v1.sims(sid).update({ status: 'active', callbackUrl: `${hook.url}/cb/${sid}` });
        first.accepted.add(sid);
      }
    }
    await until('wave 1 settles', async () => (await client.wireless.v1.sims.list({ status: 'active', pageSize: 1000 })).length, (n) => n === SIMS, { tries: 500 });

    // Wave 2: every Sim → suspended; killed halfway.
    const second = await wave(sids, 'suspended', Math.floor(SIMS / 2));
    wisp = await startWisp(database.url);
    const after2 = clientFor(url());
    await until('wave 2 settles', async () => {
      const page = await after2.wireless.v1.sims.list({ pageSize: 1000 });
      return page.filter((s) => s.status === 'updating' || s.status === 'scheduled').length;
    }, (n) => n === 0, { tries: 500 });

    // Every accepted change reached its final status.
    const final = new Map((await after2.wireless.v1.sims.list({ pageSize: 1000 })).map((s) => [s.sid, s.status]));
    for (const sid of second.accepted) assert.equal(final.get(sid), 'suspended', `accepted change of ${sid}`);
    for (const sid of sids) assert.ok(['active', 'suspended'].includes(final.get(sid) as string), `${sid} is ${final.get(sid)}`);

    // Every status a Sim actually reached through a request was called back at least once.
    const expected: string[] = [];
    for (const sid of sids) {
      expected.push(`${sid} active`);
      if (final.get(sid) === 'suspended') expected.push(`${sid} suspended`);
    }
    const heard = () => new Set(hook.requests.map((r) => `${r.params.SimSid} ${r.params.SimStatus}`));
    await until('every callback is delivered', async () => expected.filter((key) => !heard().has(key)), (missing) => missing.length === 0, { tries: 500 });
    const perDelivery = new Map<string, number>();
    for (const r of hook.requests) {
      const token = String(r.headers['i-twilio-idempotency-token']);
      perDelivery.set(token, (perDelivery.get(token) ?? 0) + 1);
      assert.ok(twilio.validateRequest(AUTH_TOKEN, String(r.headers['x-twilio-signature']), r.url, r.params));
    }
    const duplicates = [...perDelivery.values()].filter((n) => n > 1).reduce((sum, n) => sum + n - 1, 0);
    const accepted = first.accepted.size + second.accepted.size;
    console.log(
      `crash test: ${accepted} changes accepted around 2 SIGKILLs, ${expected.length} callbacks expected, ` +
        `${hook.requests.length} received, ${duplicates} duplicate(s) (same delivery sent again after a kill)`,
    );
    assert.equal(perDelivery.size, expected.length, 'one delivery per change that happened');
    const dead = await admin(url(), 'GET', '/admin/v1/Jobs?state=dead');
    assert.deepEqual(dead.body.jobs, []);

    // SIGTERM: the jobs in hand finish before the process exits.
    const live = wisp;
    const suspended = sids.filter((sid) => final.get(sid) === 'suspended').slice(0, 40);
    await pool(suspended, 8, async (sid) => {
      await after2.wireless.v1.sims(sid).update({ status: 'active', callbackUrl: `${hook.url}/term/${sid}` });
    });
    live.child.kill('SIGTERM');
    const exit = await live.exited;
    assert.equal(exit.code, 0, 'a clean exit');
    wisp = await startWisp(database.url);
    const oldOwner = `:${live.child.pid}:`;
    const running = await admin(url(), 'GET', '/admin/v1/Jobs?state=running&limit=1000');
    assert.deepEqual(running.body.jobs.filter((j: { lease_owner: string }) => j.lease_owner.includes(oldOwner)), [], 'no job was left leased');
    const afterTerm = clientFor(url());
    const activeBefore = sids.filter((sid) => final.get(sid) === 'active').length;
    await until(
      'the SIGTERM wave settles',
      async () => (await afterTerm.wireless.v1.sims.list({ status: 'active', pageSize: 1000 })).length,
      (n) => n === activeBefore + suspended.length,
      { tries: 500 },
    );
    await until('its callbacks arrive', async () => suspended.filter((sid) => hook.at(`/term/${sid}`).length === 0), (missing) => missing.length === 0, { tries: 500 });
  });
});
