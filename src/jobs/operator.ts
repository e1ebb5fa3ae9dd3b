import type { Store } from '../store/store.js';
import type { Sim } from '../domain/models.js';
import type { ApplyPayload, CallbackCarrier, Job } from '../domain/outbox.js';
import { IN_FLIGHT, hasTimer } from '../domain/lifecycle.js';
import { recordSimUpdated } from '../domain/events.js';
import { type Operator, OperatorRejected, OperatorUnavailable } from '../network/operator.js';
import type { JobContext, JobHandler, Settlement } from './runner.js';
import { type CallbackError, enqueueCallback } from './callbacks.js';
import { restartTimers } from './transitions.js';

// The operator's side of an update: ask the network, then settle the Sim in one transaction
// with its event, timers and callback.

/** Reported when Wisp gives up on an operator request after its last retry. */
const GAVE_UP: CallbackError = { code: 20500, message: 'The operator could not be reached to apply the change; nothing was changed' };

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** While the operator is down the job waits (and an updating Sim shows `scheduled`); if it is back already, retry now. */
async function parkUntilAvailable(ctx: JobContext, job: Job, scheduleSim: boolean): Promise<void> {
  await ctx.settle(job, async (tx, now): Promise<Settlement> => {
    const network = await tx.network.getForShare();
    if (network.available) return { state: 'pending', runAt: now, refundAttempt: true };
    if (scheduleSim && job.simSid) {
      const sim = await tx.sims.getForUpdate(job.simSid);
      if (sim?.status === 'updating') await tx.sims.update(sim.sid, { status: 'scheduled', date_updated: now });
    }
    return { state: 'waiting' };
  });
}

/** The operator applied the change: the Sim takes the requested status and plan. */
async function applied(tx: Store, simSid: string, p: ApplyPayload, now: number): Promise<void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (!sim || !IN_FLIGHT.includes(sim.status)) return;
  const status = p.to ?? p.from;
  const after: Sim = { ...sim, status, rate_plan_sid: p.ratePlan ? p.ratePlan.to : sim.rate_plan_sid, date_updated: now };
  await tx.sims.update(sim.sid, { status, rate_plan_sid: after.rate_plan_sid, date_updated: now });
  await recordSimUpdated(tx, {
    sim: after,
    previous: { status: p.from, rate_plan_sid: sim.rate_plan_sid },
    actor: p.actor,
    source: 'api',
    sourceIpAddress: p.sourceIpAddress,
    now,
  });
  if (status !== p.from) await restartTimers(tx, after, p.from, p.callback, now);
  else if (hasTimer(p.from)) await tx.jobs.releaseTimers(sim.sid, now);
  if (p.callback) await enqueueCallback(tx, after, p.callback, null, now);
}

/** The change did not happen: the Sim is as it was before the request, and the callback says why. */
async function refused(tx: Store, simSid: string, p: ApplyPayload, error: CallbackError, now: number): Promise<void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (!sim || !IN_FLIGHT.includes(sim.status)) return;
  const after: Sim = { ...sim, status: p.from, account_sid: p.fromAccountSid ?? sim.account_sid, date_updated: now };
  await tx.sims.update(sim.sid, { status: after.status, account_sid: after.account_sid, date_updated: now });
  if (hasTimer(p.from)) await tx.jobs.releaseTimers(sim.sid, now);
  if (p.callback) await enqueueCallback(tx, after, p.callback, error, now);
}

export function applyHandler(operator: Operator): JobHandler {
  return {
    async run(job, ctx) {
      const p = job.payload as ApplyPayload;
      const sim = job.simSid ? await ctx.store.sims.get(job.simSid) : undefined;
      if (!sim || !IN_FLIGHT.includes(sim.status)) return ctx.settle(job);
      try {
        await operator.apply({
          simSid: sim.sid,
          iccid: sim.iccid,
          status: p.to ?? p.from,
          ratePlanSid: p.ratePlan ? p.ratePlan.to : sim.rate_plan_sid,
        });
      } catch (error) {
        if (error instanceof OperatorUnavailable) return parkUntilAvailable(ctx, job, true);
        if (error instanceof OperatorRejected) {
          const reason = { code: error.errorCode, message: error.message };
          return ctx.settle(job, (tx, now) => refused(tx, sim.sid, p, reason, now));
        }
        throw error;
      }
      await ctx.settle(job, (tx, now) => applied(tx, sim.sid, p, now));
    },
    async onDead(tx, job, error, now) {
      if (!job.simSid) return;
      await refused(tx, job.simSid, job.payload as ApplyPayload, { ...GAVE_UP, message: `${GAVE_UP.message} (${describe(error)})` }, now);
    },
  };
}

/** Ends a connectivity reset: reset_status back to null, and the callback if one was asked for. */
async function resetEnded(tx: Store, simSid: string, p: CallbackCarrier, error: CallbackError | null, now: number): Promise<void> {
  const sim = await tx.sims.getForUpdate(simSid);
  if (!sim || sim.reset_status !== 'resetting') return;
  const after: Sim = { ...sim, reset_status: null, date_updated: now };
  await tx.sims.update(sim.sid, { reset_status: null, date_updated: now });
  if (p.callback) await enqueueCallback(tx, after, p.callback, error, now);
}

export function resetHandler(operator: Operator): JobHandler {
  return {
    async run(job, ctx) {
      const p = job.payload as CallbackCarrier;
      const sim = job.simSid ? await ctx.store.sims.get(job.simSid) : undefined;
      if (!sim || sim.reset_status !== 'resetting') return ctx.settle(job);
      let error: CallbackError | null = null;
      try {
        await operator.reset({ simSid: sim.sid, iccid: sim.iccid });
      } catch (failure) {
        if (failure instanceof OperatorUnavailable) return parkUntilAvailable(ctx, job, false);
        if (!(failure instanceof OperatorRejected)) throw failure;
        error = { code: failure.errorCode, message: failure.message };
      }
      await ctx.settle(job, (tx, now) => resetEnded(tx, sim.sid, p, error, now));
    },
    async onDead(tx, job, error, now) {
      if (!job.simSid) return;
      await resetEnded(tx, job.simSid, job.payload as CallbackCarrier, { code: GAVE_UP.code, message: `The connectivity reset could not be sent (${describe(error)})` }, now);
    },
  };
}
