import { DomainError, type DomainErrorCode } from '../errors.js';
import type { Caller } from '../caller.js';
import type { RatePlanService } from '../rate-plans.js';
import { IN_FLIGHT } from '../sims/lifecycle.js';
import { planUpdate } from '../sims/update-plan.js';
import type { BatchAction, SelectionGroup } from './batch-models.js';
import { checkCanReceive } from '../devices/commands.js';
import { notFoundMessage, type Resolved, type SelectionTx } from './selection.js';

// A dry run: what a batch would do, changing nothing. The rules of an update look at a SIM's
// account, status, rate plan and reset; the selected SIMs are grouped by those, and one SIM of
// each group is planned for all of it. So a preview of 100,000 SIMs plans a few dozen.

export interface PreviewRefusal {
  reason: DomainErrorCode;
  count: number;
  /** The message of one of them. */
  message: string;
}

export interface Preview {
  total: number;
  /** The first SIMs selected (SIDs, or the reference listed when it matched no SIM). */
  sample: string[];
  wouldApply: number;
  /** SIMs with a change in flight that the batch would wait for (WaitForUpdating). */
  wouldWait: number;
  refusals: PreviewRefusal[];
}

export const SAMPLE_SIZE = 10;

/** The groups of listed SIMs, as the store groups a filter's; references that matched nothing apart. */
export function groupListed(resolved: Resolved[]): { groups: SelectionGroup[]; unknown: string[] } {
  const groups = new Map<string, SelectionGroup>();
  const unknown: string[] = [];
  for (const { ref, sim } of resolved) {
    if (!sim) {
      unknown.push(ref);
      continue;
    }
    const key = `${sim.account_sid}|${sim.status}|${sim.rate_plan_sid}|${sim.reset_status}`;
    const group = groups.get(key);
    if (group) group.count += 1;
    else groups.set(key, { account_sid: sim.account_sid, status: sim.status, rate_plan_sid: sim.rate_plan_sid, reset_status: sim.reset_status, sim_sid: sim.sid, count: 1 });
  }
  return { groups: [...groups.values()], unknown };
}

export async function preview(
  tx: SelectionTx,
  caller: Caller,
  selection: { groups: SelectionGroup[]; unknown: string[]; sample: string[] },
  action: BatchAction,
  waitForUpdating: boolean,
  ratePlans: RatePlanService,
): Promise<Preview> {
  const refusals = new Map<DomainErrorCode, PreviewRefusal>();
  const refuse = (reason: DomainErrorCode, count: number, message: string) => {
    const seen = refusals.get(reason);
    if (seen) seen.count += count;
    else refusals.set(reason, { reason, count, message });
  };
  let wouldApply = 0;
  let wouldWait = 0;
  let total = selection.unknown.length;
  if (selection.unknown.length > 0) refuse('not_found', selection.unknown.length, notFoundMessage(selection.unknown[0]));
  for (const group of selection.groups) {
    total += group.count;
    const sim = await tx.sims.get(group.sim_sid);
    if (!sim) {
      refuse('not_found', group.count, notFoundMessage(group.sim_sid));
      continue;
    }
    // A Command to a SIM with a change in flight waits for it, as a single one does.
    if (waitForUpdating && IN_FLIGHT.includes(sim.status) && !action.command) {
      wouldWait += group.count;
      continue;
    }
    try {
      if (action.command) checkCanReceive(sim.status, sim.rate_plan_sid ? await tx.ratePlans.get(sim.rate_plan_sid) : undefined);
      else await planUpdate(caller, sim, action, tx, ratePlans);
      wouldApply += group.count;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refuse(error.code, group.count, error.message);
    }
  }
  return { total, sample: selection.sample, wouldApply, wouldWait, refusals: [...refusals.values()].sort((a, b) => b.count - a.count) };
}
