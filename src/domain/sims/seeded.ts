import type { Sim, SimStatus } from '../models.js';
import type { Caller } from '../caller.js';
import { actorOf } from '../events.js';
import type { RatePlanService } from '../rate-plans.js';
import { checkTransition } from './lifecycle.js';
import { recordSimUpdated } from './events.js';
import { restartTimers } from './timers.js';
import type { MoveTx } from './moves.js';
import { activates, checkActivationPlan, planUpdate, type PlanTx } from './update-plan.js';

// A seed places a newly registered Sim straight in the settings and status it names: the checks
// of an update, then what the operator's outcome writes (the Sim, its event, its timer), in the
// seed's own transaction and without the operator's round trip, so a seed is all or nothing.

export interface SeededSim {
  uniqueName?: string;
  friendlyName?: string;
  ratePlan?: string;
  status?: 'new' | 'ready' | 'active' | 'suspended' | 'deactivated';
}

/** The first status a new Sim must pass through on its way to `status`. */
const FIRST_STEP: Record<NonNullable<SeededSim['status']>, SimStatus | null> = {
  new: null,
  ready: 'ready',
  active: 'active',
  suspended: 'active',
  deactivated: 'active',
};

export async function placeSeeded(tx: PlanTx & MoveTx, caller: Caller, sim: Sim, wanted: SeededSim, ratePlans: RatePlanService, now: number): Promise<Sim> {
  const { uniqueName, friendlyName, ratePlan } = wanted;
  const plan = await planUpdate(caller, sim, { uniqueName, friendlyName, ratePlan }, tx, ratePlans);
  const ratePlanSid = plan.ratePlan !== undefined ? plan.ratePlan : sim.rate_plan_sid;
  const status = wanted.status ?? 'new';
  const first = FIRST_STEP[status];
  if (first) {
    checkTransition(sim.status, first, ratePlanSid !== null);
    if (activates(sim.status, first)) checkActivationPlan(ratePlanSid ? await tx.ratePlans.get(ratePlanSid) : undefined);
  }
  const changes = { ...plan.settings, rate_plan_sid: ratePlanSid, status, date_updated: now };
  const after: Sim = { ...sim, ...changes };
  await tx.sims.update(sim.sid, changes);
  await recordSimUpdated(tx, { sim: after, previous: { status: sim.status, rate_plan_sid: sim.rate_plan_sid }, actor: actorOf(caller), source: 'api', sourceIpAddress: null, now });
  await restartTimers(tx, after, sim.status, null, now);
  return after;
}
