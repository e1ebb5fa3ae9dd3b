import type { Sim } from '../models.js';
import type { Tx } from '../ports.js';
import type { Command } from './device-models.js';
import { type Refusal, commandRefusal, zoneOf } from './plan-rules.js';
import { deviceOf, meter, type MeterTx } from './device.js';
import { enqueueDelivery } from '../callbacks.js';

// The network's side of a to_sim Command, one durable step at a time (each runs in the
// transaction of the job that carries it): send it to the device, then take its receipt.

/** How long a send waits before trying again while the Sim's change is being applied... */
export const UPDATING_RETRY_MS = 1_000;
/** ...or waits for the operator to come back. */
export const SCHEDULED_RETRY_MS = 10_000;

/** What a Command step reads and writes. */
export type StepTx = MeterTx & Tx<'commands' | 'ratePlans'>;

export type CommandStep = 'send' | 'receipt';

/** Schedules a step of a to_sim Command, in the Sim's queue: its Commands go out in order. */
export async function scheduleStep(tx: Tx<'jobs'>, step: CommandStep, command: Pick<Command, 'sid' | 'sim_sid'>, runAt: number, now: number): Promise<void> {
  await tx.jobs.enqueue({ kind: step === 'send' ? 'command.send' : 'command.receipt', queue: command.sim_sid, payload: { commandSid: command.sid }, runAt }, now);
}

/**
 * A durable step, in the job's transaction: the network tries to hand a queued Command to the
 * device. Returns when to try again if the Sim has a change in flight.
 */
export async function sendStep(tx: StepTx, commandSid: string, now: number): Promise<number | void> {
  const command = await tx.commands.get(commandSid);
  if (!command || command.status !== 'queued') return;
  const sim = await tx.sims.getForUpdate(command.sim_sid);
  if (!sim) return fail(tx, command, undefined, { reason: 'sim_status', errorCode: 30003, message: 'The SIM no longer exists' }, now);
  const device = await deviceOf(tx, sim.sid, now);
  const zone = zoneOf(device);
  const refused = await refusal(tx, sim, zone);
  if (refused?.reason === 'sim_updating') return now + (sim.status === 'scheduled' ? SCHEDULED_RETRY_MS : UPDATING_RETRY_MS);
  if (refused) return fail(tx, command, sim, refused, now);
  // An offline device keeps its Commands queued; coming back online schedules them again.
  if (!device.online) return;
  if (!(await tx.commands.transition(command.sid, 'queued', { status: 'sent', date_updated: now }))) return;
  const sent = { ...command, status: 'sent' as const, date_updated: now };
  await meter(tx, sim, device, { at: now, zone, country: device.operator_country, toSim: 1 }, now);
  await notify(tx, sent, sim, now);
  if (sent.delivery_receipt_requested && device.acknowledge_commands) await scheduleStep(tx, 'receipt', sent, now, now);
}

/** A durable step, in the job's transaction: the device's delivery receipt arrives. */
export async function receiptStep(tx: StepTx, commandSid: string, now: number): Promise<void> {
  const command = await tx.commands.get(commandSid);
  if (!command || !(await tx.commands.transition(command.sid, 'sent', { status: 'delivered', date_updated: now }))) return;
  await notify(tx, { ...command, status: 'delivered', date_updated: now }, await tx.sims.get(command.sim_sid), now);
}

/** Schedules every queued Command of a Sim whose device just came online (in the caller's transaction). */
export async function sendQueued(tx: Tx<'commands' | 'jobs'>, sim: Sim, now: number): Promise<void> {
  for (const sid of await tx.commands.queuedFor(sim.sid)) await scheduleStep(tx, 'send', { sid, sim_sid: sim.sid }, now, now);
}

export async function refusal(tx: Tx<'ratePlans'>, sim: Sim, zone: ReturnType<typeof zoneOf>): Promise<Refusal | null> {
  const plan = sim.rate_plan_sid ? await tx.ratePlans.get(sim.rate_plan_sid) : undefined;
  return commandRefusal(sim.status, plan, zone);
}

async function fail(tx: Tx<'commands' | 'callbacks' | 'jobs'>, command: Command, sim: Sim | undefined, refused: Refusal, now: number): Promise<void> {
  const changes = { status: 'failed' as const, error_code: refused.errorCode, error_message: refused.message, date_updated: now };
  if (await tx.commands.transition(command.sid, command.status, changes)) await notify(tx, { ...command, ...changes }, sim, now);
}

/** The status callback of a to_sim Command, when it asked for one. */
export async function notify(tx: Tx<'callbacks' | 'jobs'>, command: Command, sim: Sim | undefined, now: number): Promise<void> {
  if (!command.callback_url) return;
  const target = { url: command.callback_url, method: command.callback_method };
  await enqueueDelivery(tx, { simSid: command.sim_sid, accountSid: command.account_sid, target, params: statusParams(command, sim) }, now);
}

/** Parameters of a to_sim Command's status callback. */
export function statusParams(command: Command, sim: Sim | undefined): Record<string, string> {
  return {
    AccountSid: command.account_sid,
    ApiVersion: 'v1',
    CommandSid: command.sid,
    CommandStatus: command.status,
    CommandMode: command.command_mode,
    Direction: command.direction,
    Transport: command.transport,
    SimSid: command.sim_sid,
    SimUniqueName: sim?.unique_name ?? '',
    ErrorCode: command.error_code === null ? '' : String(command.error_code),
    ErrorMessage: command.error_message ?? '',
  };
}

/** Parameters of a from_sim Command as delivered to the Sim's commands_callback_url. */
export function receivedParams(command: Command, sim: Sim): Record<string, string> {
  return {
    AccountSid: command.account_sid,
    ApiVersion: 'v1',
    CommandSid: command.sid,
    Command: command.command,
    CommandMode: command.command_mode,
    Direction: command.direction,
    Transport: command.transport,
    Status: command.status,
    SimSid: sim.sid,
    SimUniqueName: sim.unique_name ?? '',
    // A Command truncated on the way (33111) says so; an intact one carries no error.
    ...(command.error_code === null ? {} : { ErrorCode: String(command.error_code), ErrorMessage: command.error_message ?? '' }),
  };
}
