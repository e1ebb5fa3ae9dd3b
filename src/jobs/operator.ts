import type { Store } from '../domain/ports.js';
import type { WispJob } from '../domain/tasks.js';
import type { CallbackError } from '../domain/callbacks.js';
import { IN_FLIGHT } from '../domain/sims/lifecycle.js';
import { GAVE_UP, applied, refused, resetEnded, scheduled } from '../domain/sims/moves.js';
import type { JobContext, JobHandler, Settlement } from '../engine/index.js';
import { type Operator, OperatorRejected, OperatorUnavailable } from '../network/operator.js';

// operator.apply and operator.reset: ask the network, then let the lifecycle settle the Sim in
// the transaction that ends the job.

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** While the operator is down the job waits (and an updating Sim shows `scheduled`); if it is back already, retry now. */
async function parkUntilAvailable(ctx: JobContext<Store>, simSid: string, showScheduled: boolean): Promise<void> {
  await ctx.settle(async (tx, now): Promise<Settlement> => {
    const network = await tx.network.getForShare();
    if (network.available) return { state: 'pending', runAt: now, refundAttempt: true };
    if (showScheduled) await scheduled(tx, simSid, now);
    return { state: 'waiting' };
  });
}

export function applyHandler(operator: Operator): JobHandler<WispJob<'operator.apply'>, Store> {
  return {
    async run(job, ctx) {
      const p = job.payload;
      const sim = job.queue ? await ctx.store.sims.get(job.queue) : undefined;
      if (!sim || !IN_FLIGHT.includes(sim.status)) return ctx.settle();
      try {
        await operator.apply({ simSid: sim.sid, iccid: sim.iccid, status: p.to ?? p.from, ratePlanSid: p.ratePlan ? p.ratePlan.to : sim.rate_plan_sid });
      } catch (error) {
        if (error instanceof OperatorUnavailable) return parkUntilAvailable(ctx, sim.sid, true);
        if (error instanceof OperatorRejected) {
          const reason: CallbackError = { code: error.errorCode, message: error.message };
          return ctx.settle((tx, now) => refused(tx, sim.sid, p, reason, now));
        }
        throw error;
      }
      await ctx.settle((tx, now) => applied(tx, sim.sid, p, now));
    },
    async onDead(tx, job, error, now) {
      if (!job.queue) return;
      await refused(tx, job.queue, job.payload, { ...GAVE_UP, message: `${GAVE_UP.message} (${describe(error)})` }, now);
    },
    // The undo failed too (its callback could not be recorded, say): undo without the callback,
    // so the Sim returns to its status before the request, with the event recorded.
    async onUndoFailed(tx, job, error, now) {
      if (!job.queue) return;
      await refused(tx, job.queue, { ...job.payload, callback: null }, { ...GAVE_UP, message: `${GAVE_UP.message} (${describe(error)})` }, now);
    },
  };
}

export function resetHandler(operator: Operator): JobHandler<WispJob<'operator.reset'>, Store> {
  return {
    async run(job, ctx) {
      const sim = job.queue ? await ctx.store.sims.get(job.queue) : undefined;
      if (!sim || sim.reset_status !== 'resetting') return ctx.settle();
      let error: CallbackError | null = null;
      try {
        await operator.reset({ simSid: sim.sid, iccid: sim.iccid });
      } catch (failure) {
        if (failure instanceof OperatorUnavailable) return parkUntilAvailable(ctx, sim.sid, false);
        if (!(failure instanceof OperatorRejected)) throw failure;
        error = { code: failure.errorCode, message: failure.message };
      }
      await ctx.settle((tx, now) => resetEnded(tx, sim.sid, job.payload, error, now));
    },
    async onDead(tx, job, error, now) {
      if (!job.queue) return;
      await resetEnded(tx, job.queue, job.payload, { code: GAVE_UP.code, message: `The connectivity reset could not be sent (${describe(error)})` }, now);
    },
    async onUndoFailed(tx, job, error, now) {
      if (!job.queue) return;
      await resetEnded(tx, job.queue, { ...job.payload, callback: null }, { code: GAVE_UP.code, message: `The connectivity reset could not be sent (${describe(error)})` }, now);
    },
  };
}
