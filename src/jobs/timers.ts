import type { Store } from '../store/store.js';
import type { Sim, SimStatus } from '../domain/models.js';
import type { CallbackCarrier, Job } from '../domain/outbox.js';
import { IN_FLIGHT, addMonths } from '../domain/lifecycle.js';
import { newSid } from '../domain/sids.js';
import type { JobHandler, Settlement } from './runner.js';
import { autoMove } from './transitions.js';

// Time-driven moves. A timer acts at its due time (or when its Sim last changed, if later), so
// a clock moved far ahead replays each step at the moment it would have happened.

export const SUSPENDED_FEE_EVENT = 'wireless-sim.suspended-fee';

/** Runs `work` on the Sim if it is still in `expected`; holds the timer while an update is in flight. */
function timer(expected: SimStatus, work: (tx: Store, sim: Sim, job: Job, at: number) => Promise<void>): JobHandler {
  return {
    async run(job, ctx) {
      await ctx.settle(job, async (tx): Promise<Settlement | void> => {
        const sim = job.simSid ? await tx.sims.getForUpdate(job.simSid) : undefined;
        if (!sim) return;
        if (IN_FLIGHT.includes(sim.status)) return { state: 'held' };
        if (sim.status !== expected) return;
        await work(tx, sim, job, Math.max(job.runAt, sim.date_updated));
      });
    },
  };
}

/** `ready` → `active` three months after the SIM became ready. */
export const activateHandler = timer('ready', async (tx, sim, job, at) => {
  await autoMove(tx, sim, 'active', (job.payload as CallbackCarrier).callback, at);
});

/** `deactivated` → `canceled` 72 hours after deactivation. */
export const cancelHandler = timer('deactivated', async (tx, sim, job, at) => {
  await autoMove(tx, sim, 'canceled', (job.payload as CallbackCarrier).callback, at);
});

/** Three months suspended starts a monthly fee: one record (and Monitor event) a month while suspended. */
export const suspendedFeeHandler = timer('suspended', async (tx, sim, job, at) => {
  const periodStart = job.runAt;
  const periodEnd = addMonths(periodStart, 1);
  const recorded = await tx.fees.record({
    sim_sid: sim.sid,
    account_sid: sim.account_sid,
    kind: 'suspended',
    period_start: periodStart,
    period_end: periodEnd,
    date_created: at,
  });
  if (recorded) {
    await tx.events.insert({
      sid: newSid('AE'),
      account_sid: sim.account_sid,
      actor_sid: null,
      actor_type: 'system',
      actor_account_sid: null,
      description: 'Suspended SIM fee recorded',
      event_data: {
        resource_properties: {},
        fee: { kind: 'suspended', period_start: new Date(periodStart).toISOString(), period_end: new Date(periodEnd).toISOString() },
      },
      event_date: at,
      event_type: SUSPENDED_FEE_EVENT,
      resource_sid: sim.sid,
      resource_type: 'sim',
      source: 'twilio',
      source_ip_address: null,
    });
  }
  await tx.jobs.enqueue({ kind: 'timer.suspended-fee', simSid: sim.sid, payload: { callback: null } satisfies CallbackCarrier, runAt: periodEnd }, at);
});
