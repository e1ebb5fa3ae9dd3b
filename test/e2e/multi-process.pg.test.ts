import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import twilio from 'twilio';
import type { SimStatus } from 'twilio/lib/rest/wireless/v1/sim.js';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { freshIccid } from '../helpers/server.js';
import { type Receiver, startReceiver, until } from '../helpers/lifecycle.js';
import { AUTH_TOKEN, FAST_ENGINE as ENGINE, type WispProcess, adminCall, clientFor, pool, registerThrough, startWispProcess, stopProcess } from '../helpers/processes.js';

// Three Wisp processes on one PostgreSQL database share the work: each serves HTTP and runs
// jobs. Hundreds of status changes with callbacks go to all three at once, one process is
// SIGKILLed midway, and the clock moves: every change lands once, every callback arrives, and no
// timer fires twice. PostgreSQL only (a *.pg.test.ts file): several writers are its job.

const SIMS = 240;

type Outcome = { accepted: Set<string>; unknown: Set<string> };

describe('three processes on one PostgreSQL database', () => {
  let database: TestDatabase;
  let hook: Receiver;
  const processes: (WispProcess | null)[] = [];
  let sids: string[] = [];

  before(async () => {
    database = await createTestDatabaseUrl();
    if (database.dialect !== 'postgres') throw new Error('this file needs TEST_DATABASE_URL (npm test runs it in the PostgreSQL pass)');
    hook = await startReceiver();
    // The first process creates the schema and the master account; the others start together.
    processes.push(await startWispProcess(database.url, ENGINE));
    processes.push(...(await Promise.all([startWispProcess(database.url, ENGINE), startWispProcess(database.url, ENGINE)])));
  });
  after(async () => {
    for (const p of processes) await stopProcess(p);
    await hook.close();
    await database.cleanup();
  });

  const live = () => processes.filter((p): p is WispProcess => p !== null && p.child.exitCode === null && p.child.signalCode === null);
  const anyUrl = () => live()[0].url as string;
  const client = () => clientFor(anyUrl());

  /**
   * Sends `status` (with a callback under `path`) to every Sim, spread over the processes in
   * turn. `kill` runs once `killAfter` changes were accepted. A request whose process died under
   * it may or may not have been accepted: it is reported as unknown.
   */
  async function wave(status: SimStatus, path: string, killAfter?: number, kill?: () => void): Promise<Outcome> {
    const outcome: Outcome = { accepted: new Set(), unknown: new Set() };
    let turn = 0;
    await pool(sids, 24, async (sid) => {
      const target = processes[turn++ % processes.length] ?? live()[0];
      const url = target.child.exitCode === null && target.child.signalCode === null ? (target.url as string) : anyUrl();
      try {
        const sim = await clientFor(url).wireless.v1.sims(sid).update({ status, callbackUrl: `${hook.url}/${path}/${sid}` });
        assert.equal(sim.status, 'updating');
        outcome.accepted.add(sid);
      } catch (error) {
        if ((error as { status?: number }).status !== undefined) throw error;
        outcome.unknown.add(sid);
      }
      if (kill && outcome.accepted.size === killAfter) kill();
    });
    return outcome;
  }

  /** Sends the change again where it was lost with the killed process. */
  async function resend(outcome: Outcome, from: SimStatus, status: SimStatus, path: string): Promise<void> {
    for (const sid of outcome.unknown) {
      const sim = await client().wireless.v1.sims(sid).fetch();
      if (sim.status === from) await client().wireless.v1.sims(sid).update({ status, callbackUrl: `${hook.url}/${path}/${sid}` });
      outcome.accepted.add(sid);
    }
  }

  async function countIn(status: SimStatus): Promise<number> {
    return (await client().wireless.v1.sims.list({ status, pageSize: 1000 })).length;
  }

  /** The statuses each Sim was called back with under `path`, and how many deliveries repeated. */
  function callbacks(path: string): { bySim: Map<string, string[]>; duplicates: number } {
    const bySim = new Map<string, string[]>();
    const tokens = new Map<string, number>();
    for (const r of hook.requests.filter((r) => r.path.startsWith(`/${path}/`))) {
      const sid = r.path.split('/')[2];
      bySim.set(sid, [...(bySim.get(sid) ?? []), r.params.SimStatus]);
      const token = String(r.headers['i-twilio-idempotency-token']);
      tokens.set(token, (tokens.get(token) ?? 0) + 1);
      assert.ok(twilio.validateRequest(AUTH_TOKEN, String(r.headers['x-twilio-signature']), r.url, r.params), `signed: ${r.url}`);
    }
    const duplicates = [...tokens.values()].reduce((sum, n) => sum + n - 1, 0);
    return { bySim, duplicates };
  }

  it('share hundreds of status changes, survive a SIGKILL and fire each timer once', async () => {
    const plan = await client().wireless.v1.ratePlans.create({ uniqueName: 'multi' });
    sids = await registerThrough(anyUrl(), Array.from({ length: SIMS }, (_, i) => ({ iccid: freshIccid(), registration_code: `MULTI${i}` })));
    await pool(sids, 24, async (sid) => {
      await client().wireless.v1.sims(sid).update({ ratePlan: plan.sid });
    });
    await until('the plans are applied', () => countIn('updating'), (n) => n === 0, { tries: 500 });

    // Wave 1: every Sim → active, over all three processes; the third is killed a third of the way.
    const killed = processes[2] as WispProcess;
    const first = await wave('active', 'w1', Math.floor(SIMS / 3), () => killed.child.kill('SIGKILL'));
    await killed.exited;
    processes[2] = null;
    await resend(first, 'new', 'active', 'w1');
    await until('wave 1 lands on the two survivors', () => countIn('active'), (n) => n === SIMS, { tries: 750 });
    const w1 = await until('every wave 1 callback arrives', async () => callbacks('w1'), (c) => sids.every((sid) => c.bySim.get(sid)?.includes('active')), { tries: 750 });

    // Concurrent requests for one Sim at different processes: one is accepted, the rest are 409s.
    // The operator is slow meanwhile, so that the accepted change is still in flight when the
    // last request arrives, however busy the machine.
    assert.equal((await adminCall(anyUrl(), 'POST', '/admin/v1/Network', { latency_ms: 3000 })).status, 200);
    const contested = sids[0];
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        clientFor(live()[i % live().length].url as string).wireless.v1.sims(contested).update({ status: 'suspended' }).then(
          (sim) => sim.status,
          (error: { status?: number; code?: number }) => `${error.status}/${error.code}`,
        ),
      ),
    );
    assert.equal(answers.filter((a) => a === 'updating').length, 1, answers.join(', '));
    assert.ok(answers.filter((a) => a !== 'updating').every((a) => a === '409/33010'), answers.join(', '));
    assert.equal((await adminCall(anyUrl(), 'POST', '/admin/v1/Network', { latency_ms: Number(ENGINE.WISP_OPERATOR_LATENCY_MS) })).status, 200);
    await until('the contested change lands', async () => (await client().wireless.v1.sims(contested).fetch()).status, (s) => s === 'suspended', { tries: 500 });

    // Wave 2: every Sim → deactivated (the contested one from suspended), then 73 hours pass:
    // the cancel timers fall due and each runs exactly once, whichever process takes it.
    const second = await wave('deactivated', 'w2');
    assert.equal(second.accepted.size, SIMS);
    await until('wave 2 lands', () => countIn('deactivated'), (n) => n === SIMS, { tries: 750 });
    const moved = await adminCall(anyUrl(), 'POST', '/admin/v1/Clock', { advance_seconds: 73 * 3600 });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(await countIn('canceled'), SIMS, 'every Sim is canceled when the clock call returns');
    const w2 = await until(
      'every wave 2 callback arrives, intermediate and final',
      async () => callbacks('w2'),
      (c) => sids.every((sid) => ['deactivated', 'canceled'].every((s) => c.bySim.get(sid)?.includes(s))),
      { tries: 750 },
    );

    // Each Sim's history: one event per status it took, so no change or timer ran twice.
    const events = await client().monitor.v1.events.list({ eventType: 'wireless-sim.updated', pageSize: 1000 });
    const transitions = new Map<string, string[]>();
    for (const e of events) {
      const status = (e.eventData as { resource_properties?: { status?: { updated: string } } }).resource_properties?.status?.updated;
      if (status) transitions.set(e.resourceSid, [...(transitions.get(e.resourceSid) ?? []), status]);
    }
    for (const sid of sids) {
      const expected = sid === contested ? ['active', 'suspended', 'deactivated', 'canceled'] : ['active', 'deactivated', 'canceled'];
      assert.deepEqual([...(transitions.get(sid) ?? [])].sort(), [...expected].sort(), `history of ${sid}`);
    }
    const dead = await adminCall(anyUrl(), 'GET', '/admin/v1/Jobs?state=dead');
    assert.deepEqual(dead.body.jobs, [], 'no job gave up');
    const output = live().map((p) => p.output()).join('\n');
    assert.doesNotMatch(output, /"level":(50|60)/, 'no errors logged');
    console.log(
      `multi-process: ${first.accepted.size + second.accepted.size} changes over 3 processes (one SIGKILLed), ` +
        `${w1.duplicates + w2.duplicates} callback(s) delivered twice after the kill`,
    );
  });
});
