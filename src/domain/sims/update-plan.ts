import type { SimChanges, Tx } from '../ports.js';
import { DomainError, invalid } from '../errors.js';
import { type Caller, hasMasterCredentials, canSee } from '../caller.js';
import type { RatePlan, Sim, SimStatus } from '../models.js';
import { isSid } from '../sids.js';
import { checkName, checkUniqueName, checkUrl } from '../validate.js';
import type { RatePlanService } from '../rate-plans.js';
import { IN_FLIGHT, canRemoveRatePlan, checkTransition } from './lifecycle.js';
import type { SimUpdateInput } from './service.js';

// Deciding an update: every rule a change of a Sim must pass, checked against the Sim as it is
// inside the update's transaction. Pure but for the reads it needs.

export type PlanTx = Tx<'sims' | 'accounts' | 'ratePlans'>;

export interface UpdatePlan {
  /** Settings that change at once (names, URLs, methods, the account, the reset). */
  settings: SimChanges;
  /** A requested status, for the operator to apply. */
  status?: SimStatus;
  /** A requested rate plan (null: none), for the operator to apply. */
  ratePlan?: string | null;
}

/** An empty string clears an optional text setting, as in Twilio's API. */
const orNull = (value: string): string | null => (value === '' ? null : value);

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

/**
 * Checks every part of an update against the Sim as it is; returns what would change, writes
 * nothing. A requested status or plan comes back apart from the plain settings: the operator
 * applies those.
 */
export async function planUpdate(caller: Caller, sim: Sim, input: SimUpdateInput, tx: PlanTx, ratePlans: RatePlanService): Promise<UpdatePlan> {
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
    accountSid = await checkMove(caller, sim, input, tx);
    changes.account_sid = accountSid;
    // The unique name travels with the Sim; it must be free in the new account too.
    if (sim.unique_name !== null && input.uniqueName === undefined) {
      await checkUniqueNameFree(tx, accountSid, sim.unique_name, sim.sid);
    }
  }

  // The Sim's current plan is read only for the rules that look at it: a plan change, an activation.
  const currentPlan = async () => (sim.rate_plan_sid ? await tx.ratePlans.get(sim.rate_plan_sid) : undefined);
  let plan: RatePlan | undefined;
  let ratePlan: string | null | undefined;
  if (input.ratePlan !== undefined) {
    const current = await currentPlan();
    plan = (await resolveRatePlan(caller, accountSid, input.ratePlan, tx, ratePlans)) ?? undefined;
    if (plan === undefined && sim.rate_plan_sid !== null) {
      if (input.status === 'suspended') {
        throw new DomainError('invalid_parameter_combination', 'A SIM cannot be suspended and lose its rate plan in the same request');
      }
      if (!canRemoveRatePlan(sim.status)) {
        throw invalid(`The rate plan of a ${sim.status} SIM cannot be removed; suspend or deactivate it first`);
      }
    }
    checkStrategyChange(sim, current, plan);
    if ((plan?.sid ?? null) !== sim.rate_plan_sid) ratePlan = plan?.sid ?? null;
  }

  let status: SimStatus | undefined;
  const hasPlan = input.ratePlan !== undefined ? plan !== undefined : sim.rate_plan_sid !== null;
  if (input.status !== undefined && checkTransition(sim.status, input.status, hasPlan) === 'allowed') {
    status = input.status as SimStatus;
    if (activates(sim.status, status)) checkActivationPlan(input.ratePlan !== undefined ? plan : await currentPlan());
  }

  if (input.resetStatus !== undefined) {
    if (input.resetStatus !== 'resetting') throw invalid(`ResetStatus must be "resetting"; got "${input.resetStatus}"`);
    // 33120: "The SIM you requested has already a connectivity reset in progress".
    if (sim.reset_status === 'resetting') throw new DomainError('reset_in_progress', `A connectivity reset of Sim ${sim.sid} is already in progress; wait for it to finish`);
    // 33119: the SIM "is not in a status where it can connect to a cellular network".
    if (sim.status !== 'ready' && sim.status !== 'active') {
      throw new DomainError('reset_not_allowed', `Only a ready or active SIM can have its connectivity reset; this one is ${sim.status}`);
    }
  }

  if (input.uniqueName !== undefined) {
    const name = orNull(input.uniqueName);
    checkUniqueName('UniqueName', name, 'DE');
    await checkUniqueNameFree(tx, accountSid, name, sim.sid);
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
  return { settings: changes, status, ratePlan };
}

const missing_ = (message: string) => new DomainError('missing_parameter', message);

/** Validates a move to another account and returns the destination account's SID. */
async function checkMove(caller: Caller, sim: Sim, input: SimUpdateInput, tx: PlanTx): Promise<string> {
  const target = input.accountSid ?? sim.account_sid;
  if (!hasMasterCredentials(caller)) {
    throw new DomainError('forbidden', 'Only master account credentials can move a SIM to another account');
  }
  const destination = isSid(target, 'AC') ? await tx.accounts.get(target) : undefined;
  const masterView: Caller = { ...caller, account: caller.credentialAccount };
  // 33201: "the SIM must be new and the new Account must either be the requesting Account or a Subaccount of the requesting Account".
  if (!destination || !canSee(masterView, destination)) {
    throw new DomainError('not_permitted', `AccountSid ${target} is not your account or one of its subaccounts`);
  }
  if (destination.status !== 'active') throw invalid(`AccountSid ${target} is ${destination.status}`);
  // 33102 names a ready SIM among its causes ("you cannot transfer a SIM in status ready").
  if (sim.status === 'ready') throw missing_(`A SIM in status ready cannot move to another account; only a SIM in status new can`);
  if (sim.status !== 'new') {
    throw new DomainError('not_permitted', `Only a SIM in status new can move to another account; this one is ${sim.status}`);
  }
  // 33102: the move needs a RatePlan of the target account, or an empty one, when the SIM has a plan.
  if (sim.rate_plan_sid !== null && input.ratePlan === undefined) {
    throw missing_('Missing required parameter RatePlan: this SIM has a rate plan; name a RatePlan of the destination account (or an empty RatePlan to remove it) to move it');
  }
  return destination.sid;
}

/** 33101: "you can only move the Rate Plan to a different Data Limit Strategy while your SIM is new or deactivated". */
function checkStrategyChange(sim: Sim, from: RatePlan | undefined, to: RatePlan | undefined): void {
  if (!from || !to || from.data_limit_strategy === to.data_limit_strategy) return;
  if (sim.status === 'new' || sim.status === 'deactivated') return;
  throw invalid(
    `A ${sim.status} SIM cannot move from a rate plan with DataLimitStrategy ${from.data_limit_strategy} to one with ${to.data_limit_strategy}; only a new or deactivated SIM can`,
  );
}

/** A move into ready or active from any other status. */
export const activates = (from: SimStatus, to: SimStatus) => (to === 'ready' || to === 'active') && from !== 'ready' && from !== 'active';

/** 33122: a SIM cannot be activated on a rate plan with deprecated Data Metering (anything but payg). */
export function checkActivationPlan(plan: RatePlan | undefined): void {
  if (plan && plan.data_metering !== 'payg') {
    throw new DomainError('rate_plan_not_allowed', `Cannot activate a SIM on rate plan ${plan.sid}: its DataMetering ${plan.data_metering} is deprecated; use a payg rate plan`);
  }
}

/** Resolves a RatePlan parameter among the plans of the account the Sim will belong to. */
async function resolveRatePlan(caller: Caller, accountSid: string, ref: string, tx: PlanTx, ratePlans: RatePlanService): Promise<RatePlan | null> {
  if (ref === '') return null;
  const plan = await ratePlans.resolve({ ...caller, account: caller.credentialAccount }, ref, tx);
  const inAccount = plan?.account_sid === accountSid ? plan : await tx.ratePlans.getByUniqueName(accountSid, ref);
  if (!inAccount || inAccount.account_sid !== accountSid) {
    throw new DomainError('rate_plan_not_found', `RatePlan ${ref} was not found in account ${accountSid}`);
  }
  return inAccount;
}

export async function checkUniqueNameFree(tx: Tx<'sims'>, accountSid: string, uniqueName: string | null, selfSid: string) {
  if (uniqueName === null) return;
  const holder = await tx.sims.getByUniqueName(accountSid, uniqueName);
  if (holder && holder.sid !== selfSid) {
    throw new DomainError('unique_name_taken', `UniqueName "${uniqueName}" is already used by Sim ${holder.sid}`);
  }
}
