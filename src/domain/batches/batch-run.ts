import type { Tx } from '../ports.js';
import type { Caller } from '../caller.js';
import { ownsOrManages } from '../caller.js';
import { DomainError } from '../errors.js';
import { API_VERSION, enqueueDelivery } from '../callbacks.js';
import type { RatePlanService } from '../rate-plans.js';
import type { Settlement } from '../../engine/index.js';
import { IN_FLIGHT } from '../sims/lifecycle.js';
import { updateLocked } from '../sims/apply-update.js';
import type { SimUpdateInput } from '../sims/service.js';
import { FINISHED, type BatchCommand, type BatchStatus, type SimBatch } from './batch-models.js';
import { commandToSim } from '../devices/commands.js';
import { notFoundMessage } from './selection.js';

// Running a batch: the `batch.run` job takes the next pending items in one transaction, applies
// each SIM's change by the rules of a single update, records every outcome with the SIMs'
// changes, and runs again for the next chunk. A crash before the commit loses the chunk's
// changes and outcomes together; after it, the next run starts after the last item recorded.
// So no item is applied twice and none is lost.

export type BatchTx = Tx<'simBatches' | 'simBatchItems' | 'sims' | 'accounts' | 'ratePlans' | 'jobs' | 'network' | 'callbacks' | 'commands' | 'devices' | 'usage' | 'events'>;

export interface RunSettings {
  ratePlans: RatePlanService;
  /** Items per run. */
  chunkSize: number;
}

/** How long a batch that waits for SIMs' changes in flight lets pass before it looks again. */
export const WAIT_RETRY_MS = 1000;

/** The fairness key of a batch's work: one account's batches share one share of the slots. */
export const batchFairKey = (accountSid: string) => `batch:${accountSid}`;

/** The caller a batch acts as: who created it, if its account is still active. */
async function requesterOf(tx: BatchTx, batch: SimBatch): Promise<Caller | null> {
  const account = await tx.accounts.get(batch.requester.accountSid);
  const credentialAccount = batch.requester.credentialAccountSid === account?.sid ? account : await tx.accounts.get(batch.requester.credentialAccountSid);
  if (!account || !credentialAccount || account.status !== 'active' || credentialAccount.status !== 'active') return null;
  return { account, credentialAccount, keySid: batch.requester.keySid };
}

/** Ends a batch: its status, and its callback if it asked for one. */
export async function finish(tx: BatchTx, batch: SimBatch, status: BatchStatus, counts: Partial<SimBatch>, now: number): Promise<SimBatch> {
  const after: SimBatch = { ...batch, ...counts, status, date_completed: now, date_updated: now };
  await tx.simBatches.update(batch.sid, { status, applied: after.applied, refused: after.refused, skipped: after.skipped, cursor: after.cursor, date_completed: now, date_updated: now });
  if (after.callback_url) {
    const params = {
      AccountSid: after.account_sid,
      ApiVersion: API_VERSION,
      BatchSid: after.sid,
      BatchStatus: status,
      Total: String(after.total),
      Applied: String(after.applied),
      Refused: String(after.refused),
      Skipped: String(after.skipped),
    };
    await enqueueDelivery(tx, { simSid: after.sid, accountSid: after.account_sid, target: { url: after.callback_url, method: after.callback_method }, params }, now);
  }
  return after;
}

/** Stops a batch that has not finished: its pending items are skipped, and its run is canceled. */
export async function stop(tx: BatchTx, batch: SimBatch, status: 'canceled' | 'failed', why: string, now: number): Promise<SimBatch> {
  if (FINISHED.includes(batch.status)) throw new DomainError('batch_finished', `SimBatch ${batch.sid} is ${batch.status} already`);
  const skipped = await tx.simBatchItems.skipPending(batch.sid, why, now);
  await tx.jobs.cancel({ queue: batch.sid, kinds: ['batch.run'] }, now);
  return finish(tx, batch, status, { skipped: batch.skipped + skipped }, now);
}

/** One run of a batch: the next chunk of its items. */
export async function runChunk(tx: BatchTx, batchSid: string, now: number, settings: RunSettings): Promise<Settlement | void> {
  const batch = await tx.simBatches.getForUpdate(batchSid);
  if (!batch || FINISHED.includes(batch.status)) return;
  const caller = await requesterOf(tx, batch);
  if (!caller) {
    await stop(tx, batch, 'failed', 'The batch failed: the account that created it is no longer active', now);
    return;
  }
  const items = await tx.simBatchItems.pendingAfter(batch.sid, batch.cursor, settings.chunkSize);
  const network = await tx.network.get();
  const { command, ...input }: { command?: BatchCommand } & SimUpdateInput = batch.action;
  const context = { caller, ratePlans: settings.ratePlans, operatorAvailable: network.available, sourceIp: batch.requester.sourceIp, now, fairKey: batchFairKey(batch.account_sid) };
  const visible = new Map<string, boolean>();
  const applied: number[] = [];
  let refused = 0;
  for (const item of items) {
    const sim = item.sim_sid ? await tx.sims.getForUpdate(item.sim_sid) : undefined;
    if (sim && !visible.has(sim.account_sid)) visible.set(sim.account_sid, await ownsOrManages(caller, sim.account_sid, (sid) => tx.accounts.get(sid)));
    if (!sim || !visible.get(sim.account_sid)) {
      await tx.simBatchItems.refuse(batch.sid, item.position, 'not_found', notFoundMessage(item.sim_ref), now);
      refused += 1;
      continue;
    }
    // Asked to wait: a SIM with a change in flight stays pending, for a later run. (A Command
    // waits for the change by itself, as a single one does.)
    if (batch.wait_for_updating && IN_FLIGHT.includes(sim.status) && !command) continue;
    try {
      if (command) await commandToSim(tx, sim.sid, { ...command, sim: sim.sid }, now);
      else await updateLocked(tx, sim, input, context);
      applied.push(item.position);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      await tx.simBatchItems.refuse(batch.sid, item.position, error.code, error.message, now);
      refused += 1;
    }
  }
  await tx.simBatchItems.settle(batch.sid, applied, 'applied', now);
  const counts = { applied: batch.applied + applied.length, refused: batch.refused + refused, cursor: items.at(-1)?.position ?? batch.cursor };
  const started = batch.date_started ?? now;
  if (items.length === settings.chunkSize) {
    await tx.simBatches.update(batch.sid, { ...counts, status: 'running', date_started: started, date_updated: now });
    return { state: 'pending', runAt: now, refundAttempt: true };
  }
  // The end of the list: done, unless SIMs it waits for are still pending.
  if ((await tx.simBatchItems.countPending(batch.sid)) > 0) {
    await tx.simBatches.update(batch.sid, { ...counts, cursor: 0, status: 'running', date_started: started, date_updated: now });
    return { state: 'pending', runAt: now + WAIT_RETRY_MS, refundAttempt: true };
  }
  await finish(tx, { ...batch, date_started: started }, 'completed', counts, now);
  await tx.simBatches.update(batch.sid, { date_started: started });
}
