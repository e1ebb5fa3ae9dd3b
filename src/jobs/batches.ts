import type { Store } from '../domain/ports.js';
import type { WispJob } from '../domain/tasks.js';
import { RatePlanService } from '../domain/rate-plans.js';
import { runChunk, stop } from '../domain/batches/batch-run.js';
import type { JobHandler } from '../engine/index.js';

// batch.run: one chunk of a batch of SIM changes per run, all in the transaction that ends the
// run (src/domain/batches/batch-run.ts). The job runs again, rescheduled, until the batch ends.

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

export function batchHandler(chunkSize: number): JobHandler<WispJob<'batch.run'>, Store> {
  return {
    async run(job, ctx) {
      const ratePlans = new RatePlanService(ctx.store, ctx.clock);
      await ctx.settle((tx, now) => runChunk(tx, job.payload.batchSid, now, { ratePlans, chunkSize }));
    },
    // A chunk that fails every time (the database refusing it, say) ends the batch as failed.
    async onDead(tx, job, error, now) {
      const batch = await tx.simBatches.getForUpdate(job.payload.batchSid);
      if (!batch || batch.status === 'completed' || batch.status === 'canceled' || batch.status === 'failed') return;
      await stop(tx, batch, 'failed', `The batch failed before this SIM's turn: ${describe(error)}`, now);
    },
  };
}
