import type { Store } from '../domain/ports.js';
import type { WispJob } from '../domain/tasks.js';
import { receiptStep, sendStep } from '../domain/devices/command-steps.js';
import type { JobHandler, Settlement } from '../engine/index.js';

// command.send and command.receipt: the network's steps on a to_sim Command, each run in the
// transaction that settles its job (docs/devices.md).

export const sendHandler: JobHandler<WispJob<'command.send'>, Store> = {
  run: (job, ctx) =>
    ctx.settle(async (tx, now): Promise<Settlement | void> => {
      const retryAt = await sendStep(tx, job.payload.commandSid, now);
      // Waiting for a Sim's change to finish is not a failed attempt.
      if (retryAt !== undefined) return { state: 'pending', runAt: retryAt, refundAttempt: true };
    }),
};

export const receiptHandler: JobHandler<WispJob<'command.receipt'>, Store> = {
  run: (job, ctx) => ctx.settle((tx, now) => receiptStep(tx, job.payload.commandSid, now)),
};
