import type { Store } from '../domain/ports.js';
import type { WispTasks } from '../domain/tasks.js';
import type { buildConnector } from 'undici';
import type { TaskHandlers } from '../engine/index.js';
import type { Operator } from '../network/operator.js';
import { applyHandler, resetHandler } from './operator.js';
import { deliverHandler } from './deliver-callback.js';
import { timerHandler } from './timers.js';
import { receiptHandler, sendHandler } from './commands.js';
import { batchHandler } from './batches.js';

export interface JobSettings {
  callbackTimeoutMs: number;
  callbackMaxAttempts: number;
  /** Opens callback connections under the outbound policy (src/network/outbound-policy.ts). */
  callbackConnect?: buildConnector.connector;
  /** SIMs a batch changes per run (WISP_BATCH_CHUNK). */
  batchChunk: number;
}

/** The handler of every kind of job Wisp causes (src/domain/tasks.ts): thin adapters onto the domain. */
export function wispHandlers(operator: Operator, settings: JobSettings): TaskHandlers<WispTasks, Store> {
  return {
    'operator.apply': applyHandler(operator),
    'operator.reset': resetHandler(operator),
    'callback.deliver': deliverHandler({ timeoutMs: settings.callbackTimeoutMs, maxAttempts: settings.callbackMaxAttempts, connect: settings.callbackConnect }),
    'timer.activate': timerHandler(),
    'timer.cancel': timerHandler(),
    'timer.suspended-fee': timerHandler(),
    'command.send': sendHandler,
    'command.receipt': receiptHandler,
    'batch.run': batchHandler(settings.batchChunk),
  };
}
