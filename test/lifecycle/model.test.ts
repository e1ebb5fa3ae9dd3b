import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { TestServer } from '../helpers/server.js';
import { newSim, startFastServer } from '../helpers/lifecycle.js';
import { LifecycleModel, type Outcome } from './reference-model.js';

// Random sequences of requests, clock moves and outages, run against a real Wisp (no background
// worker: work runs when the clock endpoint is called, so each step has one outcome) and the
// reference model; status, answers, errors, events and fees must agree after every step.

const SIMS = 2;
const START = Date.parse('2031-01-10T12:00:00Z');
// Every clock step carries an odd 2371 s, so no sum of up to 40 steps lands within 87 s of a
// whole hour: a timer is never due "about now", where real time passing inside a test run
// could tip it either way.
const ODD = 2371_000;
const STEPS = [ODD, 25 * 3_600_000 + ODD, 100 * 3_600_000 + ODD, 100 * 86_400_000 + ODD];

type Command =
  | { op: 'update'; sim: number; status?: string; plan?: string }
  | { op: 'reset'; sim: number }
  | { op: 'network'; available: boolean; failing: boolean }
  | { op: 'advance'; ms: number };

const simIndex = fc.integer({ min: 0, max: SIMS - 1 });
const often = <T>(common: T, rare: T) => fc.oneof({ weight: 3, arbitrary: fc.constant(common) }, { weight: 1, arbitrary: fc.constant(rare) });
// Mostly statuses that can be requested; sometimes ones that never can.
const status = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('ready', 'active', 'suspended', 'deactivated') }, { weight: 1, arbitrary: fc.constantFrom('new', 'canceled') });
const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 7, arbitrary: fc.record({ op: fc.constant('update' as const), sim: simIndex, status }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('update' as const), sim: simIndex, plan: fc.constantFrom('A', 'B', ''), status: fc.option(fc.constantFrom('ready', 'active', 'suspended'), { nil: undefined }) }, { requiredKeys: ['op', 'sim', 'plan'] }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('reset' as const), sim: simIndex }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('network' as const), available: often(true, false), failing: often(false, true) }) },
  {
    weight: 6,
    arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(STEPS[0], STEPS[2]) }, { weight: 2, arbitrary: fc.constantFrom(STEPS[1], STEPS[3]) }) }),
  },
);

async function check(server: TestServer, model: LifecycleModel, sids: string[], plans: Record<string, string>, step: string, full = false) {
  const store = server.wisp.store;
  const planName = (sid: string | null) => (sid === null ? null : (Object.entries(plans).find(([, s]) => s === sid)?.[0] ?? sid));
  for (const [i, sid] of sids.entries()) {
    const real = await store.sims.get(sid);
    const expected = model.sims[i];
    assert.ok(real);
    assert.equal(real.status, expected.shown, `${step}: status of sim ${i}`);
    assert.equal(planName(real.rate_plan_sid), expected.plan, `${step}: plan of sim ${i}`);
    assert.equal(real.reset_status, expected.resetting ? 'resetting' : null, `${step}: reset_status of sim ${i}`);
    // The event history and fees are compared after clock moves (when they can change) and at the end.
    if (!full) continue;
    const events = await server.client().monitor.v1.events.list({ resourceSid: sid });
    const history = events
      .filter((e) => e.eventType === 'wireless-sim.updated')
      .reverse()
      .map((e) => {
        const props = (e.eventData as { resource_properties: Record<string, { previous: string | null; updated: string | null }> }).resource_properties;
        return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, k === 'rate_plan_sid' ? { previous: planName(v.previous), updated: planName(v.updated) } : v]));
      });
    assert.deepEqual(history, expected.events, `${step}: event history of sim ${i}`);
    assert.equal((await store.fees.list(sid)).length, expected.fees, `${step}: suspended fees of sim ${i}`);
  }
}

async function perform(server: TestServer, sids: string[], plans: Record<string, string>, cmd: Command): Promise<Outcome | null> {
  const client = server.client();
  if (cmd.op === 'advance') {
    const res = await server.admin('POST', '/admin/v1/Clock', { advance_seconds: cmd.ms / 1000 });
    assert.equal(res.status, 200);
    assert.equal(res.body.finished, true);
    return null;
  }
  if (cmd.op === 'network') {
    const res = await server.admin('POST', '/admin/v1/Network', { available: cmd.available, failure_rate: cmd.failing ? 1 : 0 });
    assert.equal(res.status, 200);
    return null;
  }
  try {
    const sim =
      cmd.op === 'reset'
        ? await client.wireless.v1.sims(sids[cmd.sim]).update({ resetStatus: 'resetting' })
        : await client.wireless.v1.sims(sids[cmd.sim]).update({
            ...(cmd.status !== undefined ? { status: cmd.status as never } : {}),
            ...(cmd.plan !== undefined ? { ratePlan: cmd.plan === '' ? '' : plans[cmd.plan] } : {}),
          });
    const plan = sim.ratePlanSid === null ? null : (Object.entries(plans).find(([, s]) => s === sim.ratePlanSid)?.[0] ?? sim.ratePlanSid);
    return { status: 200, sim: { status: sim.status, plan, resetting: sim.resetStatus === 'resetting' } };
  } catch (error) {
    const e = error as { status?: number; code?: number };
    if (typeof e.status !== 'number') throw error;
    return { status: e.status, code: e.code };
  }
}

function expect(model: LifecycleModel, cmd: Command): Outcome | null {
  if (cmd.op === 'advance') {
    model.advance(cmd.ms);
    return null;
  }
  if (cmd.op === 'network') {
    model.setNetwork(cmd.available, cmd.failing);
    return null;
  }
  if (cmd.op === 'reset') return model.reset(cmd.sim);
  return model.update(cmd.sim, cmd.status, cmd.plan);
}

describe('the lifecycle against a reference model', () => {
  it('agrees on status, answers, errors, events and fees for random sequences', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 4, maxLength: 40 }), async (commands) => {
        const server = await startFastServer({ WISP_ROLE: 'api' });
        try {
          await server.admin('POST', '/admin/v1/Network', { latency_ms: 0 });
          await server.admin('POST', '/admin/v1/Clock', { now: new Date(START).toISOString() });
          const model = new LifecycleModel(START);
          const client = server.client();
          const plans = { A: (await client.wireless.v1.ratePlans.create({ uniqueName: 'A' })).sid, B: (await client.wireless.v1.ratePlans.create({ uniqueName: 'B' })).sid };
          // Each Sim starts `new` on plan A.
          const sids: string[] = [];
          for (let i = 0; i < SIMS; i++) {
            sids.push(await newSim(server));
            await client.wireless.v1.sims(sids[i]).update({ ratePlan: plans.A });
            model.addSim();
            model.update(i, undefined, 'A');
          }
          await server.admin('POST', '/admin/v1/Clock', { advance_seconds: 0 });
          model.advance(0);
          await check(server, model, sids, plans, 'setup', true);
          for (const [n, cmd] of commands.entries()) {
            const step = `step ${n} ${JSON.stringify(cmd)}`;
            const expected = expect(model, cmd);
            const actual = await perform(server, sids, plans, cmd);
            assert.deepEqual(actual, expected, `${step}: answer`);
            await check(server, model, sids, plans, step, cmd.op === 'advance' || n === commands.length - 1);
          }
        } finally {
          await server.close();
        }
      }),
      // Each run starts a server on a fresh database, which costs more on PostgreSQL. Set
      // WISP_MODEL_RUNS (a few hundred) for a deeper search.
      { numRuns: Number(process.env.WISP_MODEL_RUNS ?? (process.env.TEST_DATABASE_URL ? 15 : 40)), endOnFailure: false },
    );
  });
});
