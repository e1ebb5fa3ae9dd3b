import type { Store } from '../domain/ports.js';
import type { WispJob } from '../domain/tasks.js';
import { timerDue } from '../domain/sims/timer-moves.js';
import type { TimerJobKind } from '../domain/sims/timers.js';
import type { JobHandler, Settlement } from '../engine/index.js';

/** A Sim's timer: the lifecycle decides what it does; a Sim with a change in flight holds it. */
export function timerHandler<K extends TimerJobKind>(): JobHandler<WispJob<K>, Store> {
  return {
    run: (job, ctx) =>
      ctx.settle(async (tx): Promise<Settlement | void> => {
        if (!job.queue) return;
        if ((await timerDue(tx, job.kind, job.queue, job.payload, job.runAt)) === 'held') return { state: 'held' };
      }),
  };
}
