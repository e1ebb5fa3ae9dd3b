import type { Repos, Tx } from './ports.js';
import type { Clock } from './clock.js';
import { DomainError, invalid, notFound } from './errors.js';
import { type Caller, ownsOrManages } from './caller.js';
import type { DataLimitStrategy, Page, PageQuery, RatePlan } from './models.js';
import { isSid, newSid } from './sids.js';
import { checkName, checkUniqueName } from './validate.js';

/** Limits are in megabytes; Twilio allows up to 2 TB. */
export const MAX_DATA_LIMIT_MB = 2_000_000;
const METERING = ['payg', 'quota-1', 'quota-10', 'quota-50'];
const ROAMING_SERVICES = ['data', 'messaging'];
const STRATEGIES: DataLimitStrategy[] = ['block', 'throttle'];

export interface RatePlanInput {
  uniqueName?: string;
  friendlyName?: string;
  dataEnabled?: boolean;
  dataLimit?: number;
  dataMetering?: string;
  dataLimitStrategy?: string;
  messagingEnabled?: boolean;
  voiceEnabled?: boolean;
  nationalRoamingEnabled?: boolean;
  nationalRoamingDataLimit?: number;
  internationalRoaming?: string[];
  internationalRoamingDataLimit?: number;
}

function checkLimit(param: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > MAX_DATA_LIMIT_MB) {
    throw invalid(`${param} must be a whole number of megabytes from 0 to ${MAX_DATA_LIMIT_MB}`);
  }
}

/** Applies Twilio's defaults and checks every value; throws on the first bad one. */
export function buildRatePlan(accountSid: string, input: RatePlanInput, now: number): RatePlan {
  checkUniqueName('UniqueName', input.uniqueName ?? null, 'WP');
  checkName('FriendlyName', input.friendlyName ?? null);
  const metering = input.dataMetering ?? 'payg';
  if (!METERING.includes(metering)) throw invalid(`DataMetering must be one of ${METERING.join(', ')}; got "${metering}"`);
  const strategy = input.dataLimitStrategy ?? 'block';
  if (!STRATEGIES.includes(strategy as DataLimitStrategy)) {
    throw invalid(`DataLimitStrategy must be one of ${STRATEGIES.join(', ')}; got "${strategy}"`);
  }
  const roaming = input.internationalRoaming ?? [];
  for (const service of roaming) {
    if (!ROAMING_SERVICES.includes(service)) {
      throw invalid(`InternationalRoaming may contain only ${ROAMING_SERVICES.join(' and ')}; got "${service}"`);
    }
  }
  const plan: RatePlan = {
    sid: newSid('WP'),
    account_sid: accountSid,
    unique_name: input.uniqueName ?? null,
    friendly_name: input.friendlyName ?? null,
    data_enabled: input.dataEnabled ?? true,
    data_metering: metering,
    data_limit: input.dataLimit ?? 1000,
    data_limit_strategy: strategy as DataLimitStrategy,
    messaging_enabled: input.messagingEnabled ?? true,
    voice_enabled: input.voiceEnabled ?? false,
    national_roaming_enabled: input.nationalRoamingEnabled ?? true,
    national_roaming_data_limit: input.nationalRoamingDataLimit ?? 1000,
    international_roaming: [...new Set(roaming)],
    international_roaming_data_limit: input.internationalRoamingDataLimit ?? 0,
    date_created: now,
    date_updated: now,
  };
  checkLimit('DataLimit', plan.data_limit);
  checkLimit('NationalRoamingDataLimit', plan.national_roaming_data_limit);
  checkLimit('InternationalRoamingDataLimit', plan.international_roaming_data_limit);
  return plan;
}

export class RatePlanService {
  constructor(
    private readonly store: Repos<'ratePlans' | 'accounts' | 'sims'>,
    private readonly clock: Clock,
  ) {}

  /** Finds a plan by SID or unique name among those the caller may see. */
  async resolve(caller: Caller, ref: string, store: Tx<'ratePlans' | 'accounts'> = this.store): Promise<RatePlan | undefined> {
    const plan = isSid(ref, 'WP') ? await store.ratePlans.get(ref) : await store.ratePlans.getByUniqueName(caller.account.sid, ref);
    if (!plan) return undefined;
    return (await ownsOrManages(caller, plan.account_sid, (sid) => store.accounts.get(sid))) ? plan : undefined;
  }

  async fetch(caller: Caller, ref: string): Promise<RatePlan> {
    const plan = await this.resolve(caller, ref);
    if (!plan) throw notFound(`RatePlan ${ref} was not found`);
    return plan;
  }

  async create(caller: Caller, input: RatePlanInput): Promise<RatePlan> {
    const plan = buildRatePlan(caller.account.sid, input, this.clock.now());
    return this.store.transaction(async (tx) => {
      await this.checkUniqueNameFree(tx, caller.account.sid, plan.unique_name, null);
      await tx.ratePlans.insert(plan);
      return plan;
    });
  }

  list(caller: Caller, page: PageQuery): Promise<Page<RatePlan>> {
    return this.store.ratePlans.list(caller.account.sid, page);
  }

  async update(caller: Caller, ref: string, input: { uniqueName?: string; friendlyName?: string }): Promise<RatePlan> {
    return this.store.transaction(async (tx) => {
      const plan = await this.resolve(caller, ref, tx);
      if (!plan) throw notFound(`RatePlan ${ref} was not found`);
      if (input.uniqueName !== undefined) checkUniqueName('UniqueName', input.uniqueName, 'WP');
      if (input.friendlyName !== undefined) checkName('FriendlyName', input.friendlyName);
      const next: RatePlan = {
        ...plan,
        unique_name: input.uniqueName ?? plan.unique_name,
        friendly_name: input.friendlyName ?? plan.friendly_name,
        date_updated: this.clock.now(),
      };
      await this.checkUniqueNameFree(tx, plan.account_sid, next.unique_name, plan.sid);
      await tx.ratePlans.update(plan.sid, {
        unique_name: next.unique_name,
        friendly_name: next.friendly_name,
        date_updated: next.date_updated,
      });
      return next;
    });
  }

  async remove(caller: Caller, ref: string): Promise<void> {
    await this.store.transaction(async (tx) => {
      const found = await this.resolve(caller, ref, tx);
      // Locked first, so a change landing on this plan either commits before the count or finds it gone.
      const plan = found && (await tx.ratePlans.lock(found.sid, 'update'));
      if (!plan) throw notFound(`RatePlan ${ref} was not found`);
      const inUse = await tx.sims.countByRatePlan(plan.sid);
      if (inUse > 0) {
        throw new DomainError('in_use', `RatePlan ${plan.sid} is assigned to ${inUse} SIM(s); move them to another plan before deleting it`);
      }
      await tx.ratePlans.delete(plan.sid);
    });
  }

  private async checkUniqueNameFree(tx: Tx<'ratePlans'>, accountSid: string, uniqueName: string | null, selfSid: string | null) {
    if (uniqueName === null) return;
    const holder = await tx.ratePlans.getByUniqueName(accountSid, uniqueName);
    if (holder && holder.sid !== selfSid) {
      throw new DomainError('unique_name_taken', `UniqueName "${uniqueName}" is already used by RatePlan ${holder.sid}`);
    }
  }
}
