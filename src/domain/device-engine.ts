import type { Store } from '../store/store.js';
import type { Command } from './device-models.js';
import type { Sim } from './models.js';
import type { CallbackTarget } from './outbox.js';

/**
 * What the device services need from the lifecycle engine: durable steps, signed callbacks and
 * automatic moves. Each call writes its work inside the caller's transaction `tx`, so it commits
 * (or is lost) together with the change that causes it.
 */
export interface DeviceEngine {
  /**
   * Schedules a step of a to_sim Command: `send` (the network tries to hand a queued Command to
   * the device) or `receipt` (the device's delivery receipt arrives).
   */
  scheduleCommandStep(tx: Store, step: CommandStep, command: Pick<Command, 'sid' | 'sim_sid'>, runAt: number, now: number): Promise<void>;
  /** Queues a callback signed with the owning account's auth token. */
  callback(tx: Store, target: CallbackTarget, params: Record<string, string>, owner: { simSid: string; accountSid: string }, now: number): Promise<void>;
  /** Moves a ready Sim to active by itself, with the Monitor event and callbacks of any automatic move. */
  activate(tx: Store, sim: Sim, now: number): Promise<void>;
  /** Call after a transaction that scheduled work has committed, so a worker starts on it at once. */
  wake(): void;
}

export type CommandStep = 'send' | 'receipt';
