import type { BrowseCursor, BrowsePage, Repos, SimOrder, Tx } from '../ports.js';
import type { Clock } from '../clock.js';
import { DomainError, invalid, notFound } from '../errors.js';
import { type Caller, ownsOrManages } from '../caller.js';
import type { HttpMethod, Page, PageQuery, Sim, SimStatus } from '../models.js';
import { isSid, newSid } from '../sids.js';
import { isValidIccid } from '../iccid.js';
import type { RatePlanService } from '../rate-plans.js';
import { updateLocked } from './apply-update.js';

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

/** A card registered already: 83003 when it is the caller's own, else 83002 (not registrable). */
async function refuseRegistered(store: Tx<'sims'>, caller: Caller, iccid: string, simSid: string | null): Promise<void> {
  if (!simSid) return;
  const holder = await store.sims.get(simSid);
  if (holder && holder.account_sid === caller.account.sid) {
    throw new DomainError('registration_already_yours', `The SIM card with ICCID ${iccid} is already registered to your account as ${holder.sid}`);
  }
  throw new DomainError('registration_taken', `The SIM card with ICCID ${iccid} cannot be registered to your account: it is registered to another account`);
}

/** What the Sim service reads and writes. */
export type SimStore = Repos<'sims' | 'accounts' | 'ratePlans' | 'inventory' | 'network' | 'jobs'>;

export class SimService {
  constructor(
    private readonly store: SimStore,
    private readonly clock: Clock,
    private readonly ratePlans: RatePlanService,
  ) {}

  private async resolve(caller: Caller, ref: string, store: Tx<'sims' | 'accounts'>, lock: boolean): Promise<Sim> {
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

  /**
   * The caller's Sims in an indexed order (the console's fleet table): the list filters, and
   * `search`, a Sim SID (that Sim alone) or the start of a unique name.
   */
  async browse(caller: Caller, filter: SimListFilter & { search?: string }, order: SimOrder, cursor: BrowseCursor, limit: number): Promise<BrowsePage<Sim>> {
    const none: BrowsePage<Sim> = { items: [], keys: [], hasMore: false };
    let ratePlanSid: string | undefined;
    if (filter.ratePlan !== undefined) {
      const plan = await this.ratePlans.resolve(caller, filter.ratePlan);
      if (!plan) return none;
      ratePlanSid = plan.sid;
    }
    const search = filter.search?.trim() || undefined;
    if (search !== undefined && isSid(search, 'DE')) {
      const sim = await this.fetch(caller, search).catch((e: unknown) => {
        if (e instanceof DomainError && e.code === 'not_found') return undefined;
        throw e;
      });
      const matches = sim && sim.account_sid === caller.account.sid && (filter.status === undefined || sim.status === filter.status) && (ratePlanSid === undefined || sim.rate_plan_sid === ratePlanSid) && (filter.iccid === undefined || sim.iccid === filter.iccid);
      return matches && cursor.after === undefined && cursor.before === undefined ? { items: [sim], keys: [sim.sid], hasMore: false } : none;
    }
    const browseFilter = { accountSid: caller.account.sid, status: filter.status, iccid: filter.iccid, ratePlanSid, uniqueNamePrefix: search };
    return this.store.sims.browse(browseFilter, order, cursor, limit);
  }

  /** How many of the caller's own Sims are in each status. */
  countByStatus(caller: Caller): Promise<Partial<Record<SimStatus, number>>> {
    return this.store.sims.countByStatus(caller.account.sid);
  }

  /** Brings a SIM card from the operator's inventory into the caller's account, in status `new`. */
  async register(caller: Caller, iccid: string | undefined, registrationCode: string | undefined): Promise<Sim> {
    if (!iccid) throw new DomainError('registration_missing', 'Missing required parameter Iccid');
    if (!registrationCode) throw new DomainError('registration_missing', 'Missing required parameter RegistrationCode');
    if (!isValidIccid(iccid)) {
      throw invalid(`Iccid "${iccid}" is not a valid ICCID: it must be 19 or 20 digits ending in a Luhn check digit`);
    }
    try {
      return await this.store.transaction(async (tx) => {
        const card = await tx.inventory.get(iccid);
        if (!card) throw new DomainError('registration_unknown_iccid', `No SIM card with ICCID ${iccid} can be registered: the network does not know it`);
        if (card.registration_code !== registrationCode) {
          throw new DomainError('registration_wrong_code', `The RegistrationCode does not match the SIM card with ICCID ${iccid}`);
        }
        await refuseRegistered(tx, caller, iccid, card.sim_sid);
        const sim = newSim({ account_sid: caller.account.sid, iccid, e_id: card.e_id, registration_code: card.registration_code }, this.clock.now());
        await tx.sims.insert(sim);
        await tx.inventory.setSim(iccid, sim.sid);
        return sim;
      });
    } catch (error) {
      // Another request registered the card first, after this one looked: say whose it is now.
      if (error instanceof DomainError && error.code === 'registration_taken') await refuseRegistered(this.store, caller, iccid, (await this.store.inventory.get(iccid))?.sim_sid ?? null);
      throw error;
    }
  }

  /**
   * Applies an update. Plain settings change at once; a status or rate-plan change is handed to
   * the operator in the same transaction (the Sim shows `updating`, or `scheduled` while the
   * operator is unavailable) and its Monitor event is recorded when it takes effect. `sourceIp`
   * is the client's address, recorded in that event.
   */
  async update(caller: Caller, ref: string, input: SimUpdateInput, sourceIp: string | null = null): Promise<Sim> {
    // Whether the operator is up decides between `updating` and `scheduled`. Read before the
    // transaction, where the requests that arrive together share one read; it is as fresh as a
    // read inside, and the operator's job copes with an outage that starts just after either.
    const network = input.status !== undefined || input.ratePlan !== undefined ? await this.store.network.get() : null;
    return this.store.transaction(async (tx) => {
      const sim = await this.resolve(caller, ref, tx, true);
      return updateLocked(tx, sim, input, { caller, ratePlans: this.ratePlans, operatorAvailable: network?.available ?? true, sourceIp, now: this.clock.now() });
    });
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
