import type { Tx } from '../ports.js';
import type { Caller } from '../caller.js';
import type { Sim } from '../models.js';
import type { RatePlanService } from '../rate-plans.js';
import { actorOf } from '../events.js';
import type { CallbackTarget } from '../callbacks.js';
import { handOver, startReset } from './moves.js';
import { planUpdate } from './update-plan.js';
import type { SimUpdateInput } from './service.js';

// One Sim's update inside the caller's transaction, on the Sim already read and locked: what a
// single `POST /v1/Sims/{Sid}` does, and what a batch (src/domain/batches) does for each of its
// SIMs, so both follow the same rules and refuse with the same errors.

export type UpdateTx = Tx<'sims' | 'accounts' | 'ratePlans' | 'jobs'>;

export interface UpdateContext {
  caller: Caller;
  ratePlans: RatePlanService;
  /** Whether the operator is up: a status or plan change shows `updating`, else `scheduled`. */
  operatorAvailable: boolean;
  sourceIp: string | null;
  now: number;
  /** Shares out the operator's slots: a batch's changes count against its account's share. */
  fairKey?: string | null;
}

/** Checks and applies `input` to the locked `sim`; throws the DomainError a single request answers. */
export async function updateLocked(tx: UpdateTx, sim: Sim, input: SimUpdateInput, ctx: UpdateContext): Promise<Sim> {
  const plan = await planUpdate(ctx.caller, sim, input, tx, ctx.ratePlans);
  const { now } = ctx;
  const changes = plan.settings;
  const callback: CallbackTarget | null = input.callbackUrl ? { url: input.callbackUrl, method: input.callbackMethod ?? 'POST' } : null;
  if (plan.status !== undefined || plan.ratePlan !== undefined) {
    const change = {
      from: sim.status,
      to: plan.status ?? null,
      ratePlan: plan.ratePlan !== undefined ? { to: plan.ratePlan } : null,
      fromAccountSid: changes.account_sid !== undefined ? sim.account_sid : null,
      callback,
      actor: actorOf(ctx.caller),
      sourceIpAddress: ctx.sourceIp,
    };
    changes.status = await handOver(tx, sim, change, ctx.operatorAvailable, now, ctx.fairKey ?? null);
  }
  if (input.resetStatus !== undefined) {
    changes.reset_status = 'resetting';
    await startReset(tx, sim, callback, now);
  }
  if (Object.keys(changes).length === 0) return sim;
  changes.date_updated = now;
  await tx.sims.update(sim.sid, changes);
  return { ...sim, ...changes };
}
