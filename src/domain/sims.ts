import type { Store, SimChanges } from '../store/store.js';
import type { Clock } from './clock.js';
import { DomainError, invalid, notFound } from './errors.js';
import { type Caller, hasMasterCredentials, ownsOrManages, canSee } from './caller.js';
import type { HttpMethod, Page, PageQuery, Sim, SimStatus } from './models.js';
import { isSid, newSid } from './sids.js';
import { checkName, checkUniqueName, checkUrl } from './validate.js';
import { IN_FLIGHT, canRemoveRatePlan, checkTransition, hasTimer } from './lifecycle.js';
import { isValidIccid } from './iccid.js';
import type { RatePlanService } from './rate-plans.js';
import { actorOf } from './events.js';
import type { ApplyPayload, CallbackCarrier, CallbackTarget } from './outbox.js';

/** URL settings of a Sim, by the parameter that sets each one. */
const URL_FIELDS = {
  commandsCallbackUrl: ['CommandsCallbackUrl', 'commands_callback_url'],
  smsUrl: ['SmsUrl', 'sms_url'],
  smsFallbackUrl: ['SmsFallbackUrl', 'sms_fallback_url'],
  voiceUrl: ['VoiceUrl', 'voice_url'],
  voiceFallbackUrl: ['VoiceFallbackUrl', 'voice_fallback_url'],
} as const;

const METHOD_FIELDS = {
  commandsCallbackMethod: 'commands_callback_method',
  smsMethod: 'sms_method',
  smsFallbackMethod: 'sms_fallback_method',
  voiceMethod: 'voice_method',
  voiceFallbackMethod: 'voice_fallback_method',
} as const;

export interface SimUpdateInput {
  uniqueName?: string;
  friendlyName?: string;
  callbackUrl?: string;
  callbackMethod?: HttpMethod;
  status?: string;
  /** A plan SID or unique name; the empty string removes the plan. */
  ratePlan?: string;
  resetStatus?: string;
  accountSid?: string;
  commandsCallbackUrl?: string;
  commandsCallbackMethod?: HttpMethod;
  smsUrl?: string;
  smsMethod?: HttpMethod;
  smsFallbackUrl?: string;
  smsFallbackMethod?: HttpMethod;
  voiceUrl?: string;
  voiceMethod?: HttpMethod;
  voiceFallbackUrl?: string;
  voiceFallbackMethod?: HttpMethod;
}

export interface SimListFilter {
  status?: SimStatus;
  iccid?: string;
  ratePlan?: string;
  eId?: string;
  registrationCode?: string;
}

/** An empty string clears an optional text setting, as in Twilio's API. */
const orNull = (value: string): string | null => (value === '' ? null : value);

/** A Sim as registration makes it: status `new`, no plan, no names, Twilio's default methods. */
export function newSim(card: Pick<Sim, 'account_sid' | 'iccid' | 'e_id' | 'registration_code'>, now: number): Sim {
  return {
    sid: newSid('DE'),
    ...card,
    unique_name: null,
    friendly_name: null,
    status: 'new',
    reset_status: null,
    rate_plan_sid: null,
    commands_callback_url: null,
    commands_callback_method: 'POST',
    sms_url: null,
    sms_method: 'POST',
    sms_fallback_url: null,
    sms_fallback_method: 'POST',
    voice_url: null,
    voice_method: 'POST',
    voice_fallback_url: null,
    voice_fallback_method: 'POST',
    ip_address: null,
    date_created: now,
    date_updated: now,
  };
}

export class SimService {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly ratePlans: RatePlanService,
  ) {}

  private async resolve(caller: Caller, ref: string, store: Store, lock: boolean): Promise<Sim> {
    let sim: Sim | undefined;
    if (isSid(ref, 'DE')) sim = lock ? await store.sims.getForUpdate(ref) : await store.sims.get(ref);
    else {
      sim = await store.sims.getByUniqueName(caller.account.sid, ref);
      if (sim && lock) sim = await store.sims.getForUpdate(sim.sid);
    }
    if (!sim || !(await ownsOrManages(caller, sim.account_sid, (sid) => store.accounts.get(sid)))) {
      throw notFound(`Sim ${ref} was not found`);
    }
    return sim;
  }

  fetch(caller: Caller, ref: string): Promise<Sim> {
    return this.resolve(caller, ref, this.store, false);
  }

  async list(caller: Caller, filter: SimListFilter, page: PageQuery): Promise<Page<Sim>> {
    let ratePlanSid: string | undefined;
    if (filter.ratePlan !== undefined) {
      const plan = await this.ratePlans.resolve(caller, filter.ratePlan);
      // An unknown plan matches no SIM rather than failing the whole list.
      if (!plan) return { items: [], hasMore: false };
      ratePlanSid = plan.sid;
    }
    return this.store.sims.list(
      {
        accountSid: caller.account.sid,
        status: filter.status,
        iccid: filter.iccid,
        ratePlanSid,
        eId: filter.eId,
        registrationCode: filter.registrationCode,
      },
      page,
    );
  }

  /** Brings a SIM card from the operator's inventory into the caller's account, in status `new`. */
  async register(caller: Caller, iccid: string | undefined, registrationCode: string | undefined): Promise<Sim> {
    if (!iccid) throw new DomainError('registration_missing', 'Missing required parameter Iccid');
    if (!registrationCode) throw new DomainError('registration_missing', 'Missing required parameter RegistrationCode');
    if (!isValidIccid(iccid)) {
      throw invalid(`Iccid "${iccid}" is not a valid ICCID: it must be 19 or 20 digits ending in a Luhn check digit`);
    }
    return this.store.transaction(async (tx) => {
      const card = await tx.inventory.get(iccid);
      if (!card) throw new DomainError('registration_unknown_iccid', `No SIM card with ICCID ${iccid} is known to the network`);
      if (card.registration_code !== registrationCode) {
        throw new DomainError('registration_wrong_code', `The RegistrationCode does not match the SIM card with ICCID ${iccid}`);
      }
      if (card.sim_sid) {
        const holder = await tx.sims.get(card.sim_sid);
        if (holder && holder.account_sid === caller.account.sid) {
          throw new DomainError('registration_already_yours', `The SIM card with ICCID ${iccid} is already registered to your account as ${holder.sid}`);
        }
        throw new DomainError('registration_taken', `The SIM card with ICCID ${iccid} is already registered to another account`);
      }
      const sim = newSim({ account_sid: caller.account.sid, iccid, e_id: card.e_id, registration_code: card.registration_code }, this.clock.now());
      await tx.sims.insert(sim);
      await tx.inventory.setSim(iccid, sim.sid);
      return sim;
    });
  }

  /**
   * Applies an update. Plain settings change at once; a status or rate-plan change is handed to
   * the operator in the same transaction (the Sim shows `updating`, or `scheduled` while the
   * operator is unavailable) and its Monitor event is recorded when it takes effect. `sourceIp`
   * is the client's address, recorded in that event.
   */
  async update(caller: Caller, ref: string, input: SimUpdateInput, sourceIp: string | null = null): Promise<Sim> {
    let handedOver = false;
    // Whether the operator is up decides between `updating` and `scheduled`. Read before the
    // transaction, where the requests that arrive together share one read; it is as fresh as a
    // read inside, and the operator's job copes with an outage that starts just after either.
    const handOverTo = input.status !== undefined || input.ratePlan !== undefined ? await this.store.network.get() : null;
    const updated = await this.store.transaction(async (tx) => {
      const sim = await this.resolve(caller, ref, tx, true);
      const changes = await this.planUpdate(caller, sim, input, tx);
      const now = this.clock.now();
      handedOver = await this.handOver(tx, caller, sim, changes, input, sourceIp, now, handOverTo?.available ?? true);
      if (Object.keys(changes).length === 0) return sim;
      changes.date_updated = now;
      await tx.sims.update(sim.sid, changes);
      return { ...sim, ...changes };
    });
    if (handedOver) this.onWork?.();
    return updated;
  }

  /** Called after a commit that left work for the operator, so a worker in this process starts at once. */
  onWork: (() => void) | null = null;

  /**
   * Moves the status and plan parts of `changes` into an operator job, and starts a requested
   * connectivity reset; writes the jobs in the caller's transaction.
   */
  private async handOver(
    tx: Store,
    caller: Caller,
    sim: Sim,
    changes: SimChanges,
    input: SimUpdateInput,
    sourceIp: string | null,
    now: number,
    operatorAvailable: boolean,
  ): Promise<boolean> {
    const callback: CallbackTarget | null = input.callbackUrl ? { url: input.callbackUrl, method: input.callbackMethod ?? 'POST' } : null;
    const planChanges = 'rate_plan_sid' in changes;
    if (changes.status !== undefined || planChanges) {
      const payload: ApplyPayload = {
        from: sim.status,
        to: changes.status ?? null,
        ratePlan: planChanges ? { to: changes.rate_plan_sid ?? null } : null,
        fromAccountSid: changes.account_sid !== undefined ? sim.account_sid : null,
        callback,
        actor: actorOf(caller),
        sourceIpAddress: sourceIp,
      };
      delete changes.rate_plan_sid;
      changes.status = operatorAvailable ? 'updating' : 'scheduled';
      // The Sim's timers wait for the outcome: they go if its status changes, and resume if not.
      // A status without a timer has none to hold (timers belong to their status).
      if (hasTimer(sim.status)) await tx.jobs.holdTimers(sim.sid, now);
      await tx.jobs.enqueue({ kind: 'operator.apply', simSid: sim.sid, payload, runAt: now }, now);
    }
    if (input.resetStatus !== undefined) {
      changes.reset_status = 'resetting';
      const payload: CallbackCarrier = { callback };
      await tx.jobs.enqueue({ kind: 'operator.reset', simSid: sim.sid, payload, runAt: now }, now);
    }
    return changes.status !== undefined || input.resetStatus !== undefined;
  }

  /** Checks every part of an update against the Sim as it is; returns the changes, writes nothing. */
  private async planUpdate(caller: Caller, sim: Sim, input: SimUpdateInput, tx: Store): Promise<SimChanges> {
    const changes: SimChanges = {};
    const guarded = input.status !== undefined || input.ratePlan !== undefined || input.resetStatus !== undefined || input.accountSid !== undefined;
    if (guarded && IN_FLIGHT.includes(sim.status)) {
      throw new DomainError('update_in_progress', `Sim ${sim.sid} is ${sim.status}; its status, rate plan, reset and account cannot change until the update in progress finishes`);
    }
    if (input.status !== undefined && input.resetStatus !== undefined) {
      throw new DomainError('invalid_parameter_combination', 'Status and ResetStatus cannot be updated in the same request');
    }

    let accountSid = sim.account_sid;
    if (input.accountSid !== undefined && input.accountSid !== sim.account_sid) {
      accountSid = await this.checkMove(caller, sim, input, tx);
      changes.account_sid = accountSid;
      // The unique name travels with the Sim; it must be free in the new account too.
      if (sim.unique_name !== null && input.uniqueName === undefined) {
        await this.checkUniqueNameFree(tx, accountSid, sim.unique_name, sim.sid);
      }
    }

    let ratePlanSid = sim.rate_plan_sid;
    if (input.ratePlan !== undefined) {
      ratePlanSid = await this.resolveRatePlan(caller, accountSid, input.ratePlan, tx);
      if (ratePlanSid === null && sim.rate_plan_sid !== null) {
        if (input.status === 'suspended') {
          throw new DomainError('invalid_parameter_combination', 'A SIM cannot be suspended and lose its rate plan in the same request');
        }
        if (!canRemoveRatePlan(sim.status)) {
          throw invalid(`The rate plan of a ${sim.status} SIM cannot be removed; suspend or deactivate it first`);
        }
      }
      if (ratePlanSid !== sim.rate_plan_sid) changes.rate_plan_sid = ratePlanSid;
    }

    if (input.status !== undefined && checkTransition(sim.status, input.status, ratePlanSid !== null) === 'allowed') {
      changes.status = input.status as SimStatus;
    }

    if (input.resetStatus !== undefined) {
      if (input.resetStatus !== 'resetting') throw invalid(`ResetStatus must be "resetting"; got "${input.resetStatus}"`);
      if (sim.reset_status === 'resetting') throw new DomainError('update_in_progress', `A connectivity reset of Sim ${sim.sid} is already in progress`);
      if (sim.status !== 'ready' && sim.status !== 'active') {
        throw new DomainError('invalid_transition', `Only a ready or active SIM can have its connectivity reset; this one is ${sim.status}`);
      }
    }

    if (input.uniqueName !== undefined) {
      const name = orNull(input.uniqueName);
      checkUniqueName('UniqueName', name, 'DE');
      await this.checkUniqueNameFree(tx, accountSid, name, sim.sid);
      changes.unique_name = name;
    }
    if (input.friendlyName !== undefined) {
      checkName('FriendlyName', input.friendlyName);
      changes.friendly_name = orNull(input.friendlyName);
    }
    if (input.callbackUrl !== undefined) checkUrl('CallbackUrl', orNull(input.callbackUrl));
    for (const [key, [param, column]] of Object.entries(URL_FIELDS)) {
      const value = input[key as keyof typeof URL_FIELDS];
      if (value === undefined) continue;
      checkUrl(param, orNull(value));
      changes[column] = orNull(value);
    }
    for (const [key, column] of Object.entries(METHOD_FIELDS)) {
      const value = input[key as keyof typeof METHOD_FIELDS];
      if (value !== undefined) changes[column] = value;
    }
    return changes;
  }

  /** Validates a move to another account and returns the destination account's SID. */
  private async checkMove(caller: Caller, sim: Sim, input: SimUpdateInput, tx: Store): Promise<string> {
    const target = input.accountSid as string;
    if (!hasMasterCredentials(caller)) {
      throw new DomainError('forbidden', 'Only master account credentials can move a SIM to another account');
    }
    const destination = isSid(target, 'AC') ? await tx.accounts.get(target) : undefined;
    const masterView: Caller = { ...caller, account: caller.credentialAccount };
    if (!destination || !canSee(masterView, destination)) {
      throw invalid(`AccountSid ${target} is not your account or one of its subaccounts`);
    }
    if (destination.status !== 'active') throw invalid(`AccountSid ${target} is ${destination.status}`);
    if (sim.status !== 'new') {
      throw new DomainError('invalid_transition', `Only a SIM in status new can move to another account; this one is ${sim.status}`);
    }
    if (sim.rate_plan_sid !== null && input.ratePlan === undefined) {
      throw new DomainError(
        'rate_plan_not_found',
        'This SIM has a rate plan: name a RatePlan of the destination account (or an empty RatePlan to remove it) to move it',
      );
    }
    return destination.sid;
  }

  /** Resolves a RatePlan parameter among the plans of the account the Sim will belong to. */
  private async resolveRatePlan(caller: Caller, accountSid: string, ref: string, tx: Store): Promise<string | null> {
    if (ref === '') return null;
    const plan = await this.ratePlans.resolve({ ...caller, account: caller.credentialAccount }, ref, tx);
    const inAccount = plan?.account_sid === accountSid ? plan : await tx.ratePlans.getByUniqueName(accountSid, ref);
    if (!inAccount || inAccount.account_sid !== accountSid) {
      throw new DomainError('rate_plan_not_found', `RatePlan ${ref} was not found in account ${accountSid}`);
    }
    return inAccount.sid;
  }

  private async checkUniqueNameFree(tx: Store, accountSid: string, uniqueName: string | null, selfSid: string) {
    if (uniqueName === null) return;
    const holder = await tx.sims.getByUniqueName(accountSid, uniqueName);
    if (holder && holder.sid !== selfSid) {
      throw new DomainError('unique_name_taken', `UniqueName "${uniqueName}" is already used by Sim ${holder.sid}`);
    }
  }

  /** Releases the SIM card from the account; it returns to the inventory and may be registered again. */
  async remove(caller: Caller, ref: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const sim = await this.resolve(caller, ref, tx, true);
      if (sim.status !== 'new' && sim.status !== 'canceled') {
        throw new DomainError('in_use', `Sim ${sim.sid} is ${sim.status}; only a new or canceled SIM can be deleted`);
      }
      await tx.sims.delete(sim.sid);
      await tx.inventory.setSim(sim.iccid, null);
    });
  }
}
