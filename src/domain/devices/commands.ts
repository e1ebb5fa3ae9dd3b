import type { Repos, Tx } from '../ports.js';
import type { Clock } from '../clock.js';
import { DomainError, missing, notFound } from '../errors.js';
import { type Caller, ownsOrManages } from '../caller.js';
import type { HttpMethod, Page, PageQuery, RatePlan, SimStatus } from '../models.js';
import type { Command, CommandDirection, CommandMode, CommandStatus, CommandTransport } from './device-models.js';
import { type IncludeSid, MAX_TEXT_CHARS, buildMessage } from './command-payload.js';
import { DEVICE_OFFLINE, NetworkRefusal, fromSimRefusal, zoneOf } from './plan-rules.js';
import { deviceOf, meter, simForDevice } from './device.js';
import { notify, receivedParams, refusal, scheduleStep } from './command-steps.js';
import { enqueueDelivery } from '../callbacks.js';
import { isSid, newSid } from '../sids.js';
import { checkUrl } from '../validate.js';
import type { SimService } from '../sims/service.js';

// Machine-to-machine Commands, both ways. A to_sim Command moves queued -> sent -> delivered
// (or failed) as the network and the simulated device act on it, one durable step at a time; a
// from_sim Command is received and forwarded to the Sim's commands_callback_url.

export interface CommandInput {
  sim?: string;
  command?: string;
  commandMode?: CommandMode;
  includeSid?: IncludeSid;
  callbackUrl?: string;
  callbackMethod?: HttpMethod;
  deliveryReceiptRequested?: boolean;
}

export interface CommandListFilter {
  sim?: string;
  status?: CommandStatus;
  direction?: CommandDirection;
  transport?: CommandTransport;
}

/** A stored Command is readable and listed for this long (Twilio's Command docs, "Retention period"). */
export const COMMAND_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** The longest text Command a SIM can send; a longer one is cut to this and still delivered (33111). */
export const TRUNCATED = { code: 33111, message: 'Command exceeded max length: the Command from the SIM was longer than 160 characters and was truncated' };

export class CommandService {
  constructor(
    private readonly store: Repos<'sims' | 'accounts' | 'commands' | 'devices' | 'ratePlans' | 'usage' | 'events' | 'jobs' | 'callbacks'>,
    private readonly clock: Clock,
    private readonly sims: SimService,
  ) {}

  /** Sends a Command to a SIM. A SIM that cannot take it gets a stored Command in status failed. */
  async create(caller: Caller, input: CommandInput): Promise<Command> {
    checkCommandInput(input);
    const sim = await this.sims.fetch(caller, input.sim ?? '').catch((e: unknown) => {
      // 33107: "While sending a Command, your request was rejected because the SIM you provided was not found."
      if (e instanceof DomainError && e.code === 'not_found') throw new DomainError('sim_not_found', `Sim ${input.sim} was not found`);
      throw e;
    });
    return this.store.transaction((tx) => commandToSim(tx, sim.sid, input, this.clock.now()));
  }

  async fetch(caller: Caller, sid: string): Promise<Command> {
    const command = isSid(sid, 'DC') ? await this.store.commands.get(sid) : undefined;
    if (!command || this.expired(command) || !(await ownsOrManages(caller, command.account_sid, (s) => this.store.accounts.get(s)))) {
      throw notFound(`Command ${sid} was not found`);
    }
    return command;
  }

  async list(caller: Caller, filter: CommandListFilter, page: PageQuery): Promise<Page<Command>> {
    let simSid: string | undefined;
    if (filter.sim !== undefined) {
      // An unknown Sim matches no Command rather than failing the whole list.
      const sim = await this.sims.fetch(caller, filter.sim).catch((e: unknown) => {
        if (e instanceof DomainError && e.code === 'not_found') return undefined;
        throw e;
      });
      if (!sim) return { items: [], hasMore: false };
      simSid = sim.sid;
    }
    const { status, direction, transport } = filter;
    const createdSince = this.clock.now() - COMMAND_RETENTION_MS;
    return this.store.commands.list({ accountSid: caller.account.sid, simSid, status, direction, transport, createdSince }, page);
  }

  private expired(command: Command): boolean {
    return command.date_created < this.clock.now() - COMMAND_RETENTION_MS;
  }

  async remove(caller: Caller, sid: string): Promise<void> {
    const command = await this.fetch(caller, sid);
    await this.store.commands.delete(command.sid);
  }

  /** The simulated device sends a Command (from_sim). Throws NetworkRefusal if the network would not carry it. */
  async originate(simSid: string, input: { command?: string; commandMode?: CommandMode }): Promise<Command> {
    if (input.command === undefined || input.command === '') throw missing('command');
    const mode = input.commandMode ?? 'text';
    // A text Command from the SIM over 160 characters is truncated and still delivered (33111).
    const truncated = mode === 'text' && input.command.length > MAX_TEXT_CHARS;
    const message = buildMessage(mode, truncated ? input.command.slice(0, MAX_TEXT_CHARS) : input.command, 'none', '');
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const sim = await simForDevice(tx, simSid, true);
      const device = await deviceOf(tx, sim.sid, now);
      if (!device.online) throw new NetworkRefusal(DEVICE_OFFLINE);
      const zone = zoneOf(device);
      const refused = await refusal(tx, sim, zone);
      if (refused) throw new NetworkRefusal(fromSimRefusal(refused));
      const command: Command = {
        sid: newSid('DC'),
        account_sid: sim.account_sid,
        sim_sid: sim.sid,
        command: message,
        command_mode: mode,
        transport: 'sms',
        delivery_receipt_requested: false,
        status: 'received',
        direction: 'from_sim',
        callback_url: null,
        callback_method: 'POST',
        error_code: truncated ? TRUNCATED.code : null,
        error_message: truncated ? TRUNCATED.message : null,
        date_created: now,
        date_updated: now,
      };
      await tx.commands.insert(command);
      await meter(tx, sim, device, { at: now, zone, country: device.operator_country, fromSim: 1 }, now);
      if (sim.commands_callback_url) {
        const target = { url: sim.commands_callback_url, method: sim.commands_callback_method };
        await enqueueDelivery(tx, { simSid: sim.sid, accountSid: sim.account_sid, target, params: receivedParams(command, sim) }, now);
      }
      return command;
    });
  }
}


/**
 * The request-time checks of Twilio's pages: a Command goes only to a SIM that is ready or active
 * (33104; a change in flight only delays it) and whose rate plan allows Commands (33201).
 */
export function checkCanReceive(status: SimStatus, plan: RatePlan | undefined): void {
  if (status === 'updating' || status === 'scheduled') return;
  if (status !== 'ready' && status !== 'active') {
    throw new DomainError('sim_not_ready', `The SIM is ${status}: a Command can be sent only to a SIM in status ready or active`);
  }
  if (plan && !plan.messaging_enabled) {
    throw new DomainError('not_permitted', `The Command was rejected by the rate plan ${plan.sid} of the SIM: it does not allow Commands (messaging is disabled)`);
  }
}

/** What sending a Command reads and writes. */
export type CommandTx = Tx<'sims' | 'accounts' | 'commands' | 'devices' | 'ratePlans' | 'usage' | 'events' | 'jobs' | 'callbacks'>;

/** Checks what a Command needs before any SIM is looked at. */
export function checkCommandInput(input: CommandInput): void {
  if (input.sim === undefined || input.sim === '') throw missing('Sim');
  if (input.command === undefined || input.command === '') throw missing('Command');
  if (input.callbackUrl !== undefined) checkUrl('CallbackUrl', input.callbackUrl === '' ? null : input.callbackUrl);
  buildMessage(input.commandMode ?? 'text', input.command, input.includeSid ?? 'none', newSid('DC'));
}

/**
 * Sends a Command to the SIM `simSid` inside the caller's transaction: what `POST /v1/Commands`
 * does once the SIM is found, and what a batch does for each of its SIMs.
 */
export async function commandToSim(tx: CommandTx, simSid: string, input: CommandInput, now: number): Promise<Command> {
  const sid = newSid('DC');
  const mode = input.commandMode ?? 'text';
  const message = buildMessage(mode, input.command ?? '', input.includeSid ?? 'none', sid);
  const current = await simForDevice(tx, simSid, true);
  checkCanReceive(current.status, current.rate_plan_sid ? await tx.ratePlans.get(current.rate_plan_sid) : undefined);
  const command: Command = {
    sid,
    account_sid: current.account_sid,
    sim_sid: current.sid,
    command: message,
    command_mode: mode,
    transport: 'sms',
    delivery_receipt_requested: input.deliveryReceiptRequested ?? true,
    status: 'queued',
    direction: 'to_sim',
    callback_url: input.callbackUrl || null,
    callback_method: input.callbackMethod ?? 'POST',
    error_code: null,
    error_message: null,
    date_created: now,
    date_updated: now,
  };
  const device = await deviceOf(tx, current.sid, now);
  const refused = await refusal(tx, current, zoneOf(device));
  // A change in flight only delays the Command; anything else the network refuses fails it.
  if (refused && refused.reason !== 'sim_updating') {
    const failed = { ...command, status: 'failed' as const, error_code: refused.errorCode, error_message: refused.message };
    await tx.commands.insert(failed);
    await notify(tx, failed, current, now);
    return failed;
  }
  await tx.commands.insert(command);
  if (device.online) await scheduleStep(tx, 'send', command, now, now);
  return command;
}
