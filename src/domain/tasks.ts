import type { EventActor } from './events.js';
import type { SimStatus } from './models.js';
import type { CallbackTarget } from './callbacks.js';
import type { Job, JobQueue, KindOf } from '../engine/index.js';

// The durable work the domain causes: each kind of job and its payload (the engine's task
// map). The domain writes these in the transaction of the change that causes them; src/jobs
// runs them.

/** operator.apply: a requested status and/or rate-plan change, remembered until it settles. */
export interface ApplyPayload {
  /** The status before the request; the Sim returns to it if the operator refuses. */
  from: SimStatus;
  /** The requested status; null when only the rate plan changes. */
  to: SimStatus | null;
  /** The requested plan; absent when the plan does not change. */
  ratePlan: { to: string | null } | null;
  /** When the request also moved the Sim, the account it came from (a refusal moves it back). */
  fromAccountSid: string | null;
  callback: CallbackTarget | null;
  actor: EventActor;
  sourceIpAddress: string | null;
}

/** operator.reset and the timers: the callback to call when they end, if any. */
export interface CallbackCarrier {
  callback: CallbackTarget | null;
}

/** callback.deliver */
export interface DeliverPayload {
  callbackId: number;
}

/** command.send and command.receipt */
export interface CommandStepPayload {
  commandSid: string;
}

/** batch.run: the next chunk of a batch of SIM changes (src/domain/batches). */
export interface BatchRunPayload {
  batchSid: string;
}

// A type, not an interface: the engine's TaskMap is a record, which only a type alias satisfies.
export type WispTasks = {
  'operator.apply': ApplyPayload;
  'operator.reset': CallbackCarrier;
  'callback.deliver': DeliverPayload;
  'timer.activate': CallbackCarrier;
  'timer.cancel': CallbackCarrier;
  'timer.suspended-fee': CallbackCarrier;
  'command.send': CommandStepPayload;
  'command.receipt': CommandStepPayload;
  'batch.run': BatchRunPayload;
};

export type WispJobKind = KindOf<WispTasks>;
export type WispJob<K extends WispJobKind = WispJobKind> = Job<WispTasks, K>;
export type WispQueue = JobQueue<WispTasks>;

/** The Sim's timers: one live job of each kind at most, in the Sim's queue. */
export const TIMER_KINDS = ['timer.activate', 'timer.cancel', 'timer.suspended-fee'] as const satisfies readonly WispJobKind[];

/** Work that waits on the upstream operator or a device: applying changes, sending Commands. */
export const OPERATOR_KINDS = ['operator.apply', 'operator.reset', 'command.send', 'command.receipt'] as const satisfies readonly WispJobKind[];

/** Work that waits on a customer's callback URL. */
export const CALLBACK_KINDS = ['callback.deliver'] as const satisfies readonly WispJobKind[];

/** Bulk fleet operations: each run applies a chunk of a batch's SIMs. */
export const BATCH_KINDS = ['batch.run'] as const satisfies readonly WispJobKind[];
