import type { Store } from '../store/store.js';
import type { CallbackCarrier, JobKind } from '../domain/outbox.js';
import type { CommandStep, DeviceEngine } from '../domain/device-engine.js';
import { CommandSteps } from '../domain/command-steps.js';
import type { JobHandler, Settlement } from './runner.js';
import { enqueueDelivery } from './callbacks.js';
import { autoMove } from './transitions.js';

// The device services on the lifecycle engine: Command steps are outbox jobs, callbacks are the
// engine's signed deliveries, and a usage-driven activation is the engine's automatic move.

/** command.send and command.receipt */
export interface CommandStepPayload {
  commandSid: string;
}

const STEP_KIND: Record<CommandStep, JobKind> = { send: 'command.send', receipt: 'command.receipt' };

/** `wake` starts this process's worker on new work (read when called, as it is set after start). */
export function engineForDevices(wake: () => void): DeviceEngine {
  return {
    async scheduleCommandStep(tx, step, command, runAt, now) {
      const payload: CommandStepPayload = { commandSid: command.sid };
      await tx.jobs.enqueue({ kind: STEP_KIND[step], simSid: command.sim_sid, payload, runAt }, now);
    },
    async callback(tx, target, params, owner, now) {
      await enqueueDelivery(tx, { simSid: owner.simSid, accountSid: owner.accountSid, target, params }, now);
    },
    async activate(tx: Store, sim, now) {
      // The callback of a new -> ready change waits on the Sim's activation timer; this move takes it.
      const [timer] = await tx.jobs.list({ simSid: sim.sid, kind: 'timer.activate', limit: 1 });
      const carried = timer && (timer.state === 'pending' || timer.state === 'held') ? (timer.payload as CallbackCarrier).callback : null;
      await autoMove(tx, sim, 'active', carried, now);
    },
    wake,
  };
}

/** The job handlers of Command steps: each runs in the transaction that settles its job. */
export function commandStepHandlers(engine: DeviceEngine): Record<'command.send' | 'command.receipt', JobHandler> {
  const steps = new CommandSteps(engine);
  const sidOf = (payload: unknown) => (payload as CommandStepPayload).commandSid;
  return {
    'command.send': {
      run: (job, ctx) =>
        ctx.settle(job, async (tx, now): Promise<Settlement | void> => {
          const retryAt = await steps.send(tx, sidOf(job.payload), now);
          // Waiting for a Sim's change to finish is not a failed attempt.
          if (retryAt !== undefined) return { state: 'pending', runAt: retryAt, refundAttempt: true };
        }),
    },
    'command.receipt': { run: (job, ctx) => ctx.settle(job, (tx, now) => steps.receipt(tx, sidOf(job.payload), now)) },
  };
}
