import type { Store } from '../store/store.js';
import type { LifecycleConfig } from '../config.js';
import type { Operator } from '../network/operator.js';
import { SimulatedOperator } from '../network/simulator.js';
import type { JobKind } from '../domain/outbox.js';
import { SharedClock } from './clock.js';
import { JobRunner, type JobHandler, type RunnerLog } from './runner.js';
import { Worker } from './worker.js';
import { Pruner } from './pruner.js';
import { applyHandler, resetHandler } from './operator.js';
import { deliverHandler } from './callbacks.js';
import { activateHandler, cancelHandler, suspendedFeeHandler } from './timers.js';
import { commandStepHandlers, engineForDevices } from './devices.js';

/** The lifecycle settings a process's engine uses (draining is main.ts's business). */
export type EngineSettings = Omit<LifecycleConfig, 'drainTimeoutMs'>;

/** The lifecycle engine of one process: the shared clock, the operator, the job runner and its worker. */
export interface Engine {
  clock: SharedClock;
  operator: Operator;
  runner: JobRunner;
  worker: Worker;
  /** Deletes finished jobs and delivered callbacks past their retention. */
  pruner: Pruner;
  settings: EngineSettings;
}

const silent: RunnerLog = { warn: () => {}, error: () => {} };

export async function buildEngine(store: Store, settings: EngineSettings, options: { operator?: Operator; log?: RunnerLog } = {}): Promise<Engine> {
  const clock = new SharedClock(store);
  await clock.refresh(true);
  await store.network.ensure({ available: true, latency_ms: settings.initialLatencyMs, failure_rate: 0, date_updated: clock.now() });
  const operator = options.operator ?? new SimulatedOperator(store);
  const handlers: Partial<Record<JobKind, JobHandler>> = {
    'operator.apply': applyHandler(operator),
    'operator.reset': resetHandler(operator),
    'callback.deliver': deliverHandler({ timeoutMs: settings.callbackTimeoutMs, maxAttempts: settings.callbackMaxAttempts }),
    'timer.activate': activateHandler,
    'timer.cancel': cancelHandler,
    'timer.suspended-fee': suspendedFeeHandler,
    // The steps of Commands sent to SIMs (docs/devices.md).
    ...commandStepHandlers(engineForDevices(() => worker.poke())),
  };
  const log = options.log ?? silent;
  const runner = new JobRunner(store, clock, handlers, settings, log);
  const worker = new Worker(runner, { pollMs: settings.pollMs, concurrency: settings.concurrency }, log, () => clock.refresh());
  const pruner = new Pruner(store, clock, settings.retentionMs, log);
  return { clock, operator, runner, worker, pruner, settings };
}
