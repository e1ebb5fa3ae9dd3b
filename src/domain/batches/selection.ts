import type { Tx } from '../ports.js';
import { type Caller, isMaster, ownsOrManages } from '../caller.js';
import { DomainError, invalid } from '../errors.js';
import type { Sim } from '../models.js';
import type { RatePlanService } from '../rate-plans.js';
import { isSid } from '../sids.js';
import type { BatchFilter, SelectionFilter, SimBatchItem } from './batch-models.js';

// Which SIMs a batch acts on: an explicit list of SIDs or unique names, or the list filters of
// `GET /v1/Sims`. The set is fixed when the batch is created.

/** The most SIMs one request may list. */
export const MAX_LISTED = 10_000;
/** The most SIMs one filter may select. */
export const MAX_SELECTED = 1_000_000;

export type SelectionTx = Tx<'sims' | 'accounts' | 'ratePlans'>;

/** A listed reference and the Sim it names, if the caller may see one. */
export interface Resolved {
  ref: string;
  sim: Sim | undefined;
}

/** The accounts a filter looks in: the caller's own, and with `includeSubaccounts` (a master only) its subaccounts'. */
async function accountsOf(tx: SelectionTx, caller: Caller, includeSubaccounts: boolean): Promise<string[]> {
  if (!includeSubaccounts) return [caller.account.sid];
  if (!isMaster(caller.account)) throw invalid('IncludeSubaccounts is for a master account; a subaccount has none');
  const sids = [caller.account.sid];
  let afterSeq: number | undefined;
  for (;;) {
    const page = await tx.accounts.list({ visibleTo: caller.account.sid }, { limit: 500, afterSeq });
    for (const account of page.items) if (account.sid !== caller.account.sid) sids.push(account.sid);
    const last = page.items[page.items.length - 1];
    if (!page.hasMore || !last) return sids;
    afterSeq = last.seq;
  }
}

/** The store's filter for the caller's filter, or null when it can select nothing (an unknown RatePlan, as `GET /v1/Sims` treats one). */
export async function storeFilter(tx: SelectionTx, caller: Caller, filter: BatchFilter, includeSubaccounts: boolean, ratePlans: RatePlanService): Promise<SelectionFilter | null> {
  const accountSids = await accountsOf(tx, caller, includeSubaccounts);
  let ratePlanSid: string | undefined;
  if (filter.ratePlan !== undefined) {
    const plan = await ratePlans.resolve(caller, filter.ratePlan, tx);
    if (!plan) return null;
    ratePlanSid = plan.sid;
  }
  return { accountSids, status: filter.status, iccid: filter.iccid, ratePlanSid, eId: filter.eId, registrationCode: filter.registrationCode };
}

/**
 * Resolves listed SIDs and unique names (unique names in the caller's own account), once each:
 * a reference listed twice, or two references to one SIM, count once. A reference to no SIM the
 * caller may see stays, with no Sim: its item is refused as not found.
 */
export async function resolveListed(tx: SelectionTx, caller: Caller, refs: string[]): Promise<Resolved[]> {
  if (refs.length > MAX_LISTED) throw invalid(`Sims may list at most ${MAX_LISTED} SIMs per request; got ${refs.length}`);
  const unique = [...new Set(refs)];
  const bySid = new Map((await tx.sims.getMany(unique.filter((ref) => isSid(ref, 'DE')))).map((sim) => [sim.sid, sim]));
  const byName = new Map((await tx.sims.getManyByUniqueName(caller.account.sid, unique.filter((ref) => !isSid(ref, 'DE')))).map((sim) => [sim.unique_name, sim]));
  const visible = new Map<string, boolean>();
  const seen = new Set<string>();
  const resolved: Resolved[] = [];
  for (const ref of unique) {
    let sim = isSid(ref, 'DE') ? bySid.get(ref) : byName.get(ref);
    if (sim) {
      if (!visible.has(sim.account_sid)) visible.set(sim.account_sid, await ownsOrManages(caller, sim.account_sid, (sid) => tx.accounts.get(sid)));
      if (!visible.get(sim.account_sid)) sim = undefined;
    }
    if (sim && seen.has(sim.sid)) continue;
    if (sim) seen.add(sim.sid);
    resolved.push({ ref, sim });
  }
  return resolved;
}

/** The items of a listed selection, in the order listed. */
export function listedItems(batchSid: string, resolved: Resolved[], now: number): SimBatchItem[] {
  return resolved.map(({ ref, sim }, i) => ({
    batch_sid: batchSid,
    position: i + 1,
    sim_sid: sim?.sid ?? null,
    sim_ref: ref,
    outcome: sim ? null : 'refused',
    error_reason: sim ? null : 'not_found',
    error_message: sim ? null : notFoundMessage(ref),
    date_updated: sim ? null : now,
  }));
}

export const notFoundMessage = (ref: string) => `Sim ${ref} was not found`;

/** Checks the parts of a selection that do not depend on the SIMs. */
export function checkSelection(sims: string[] | undefined, filter: BatchFilter | undefined): void {
  const filtered = filter !== undefined && Object.values(filter).some((v) => v !== undefined);
  if (sims === undefined && !filtered) {
    throw new DomainError('missing_parameter', 'Missing required parameter Sims, or a filter (Filter.Status, Filter.RatePlan, Filter.Iccid, Filter.EId, Filter.SimRegistrationCode): name the SIMs to change');
  }
  if (sims !== undefined && filtered) throw invalid('Sims and a filter cannot be given together: list the SIMs, or filter them');
  if (sims !== undefined && sims.length === 0) throw invalid('Sims must list at least one SIM');
}
