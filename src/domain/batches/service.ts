import { createHash } from 'node:crypto';
import type { Repos } from '../ports.js';
import type { Clock } from '../clock.js';
import { type Caller, ownsOrManages } from '../caller.js';
import { DomainError, invalid, notFound } from '../errors.js';
import type { HttpMethod, Page, PageQuery } from '../models.js';
import type { RatePlanService } from '../rate-plans.js';
import { isSid, newSid } from '../sids.js';
import { checkName, checkUrl } from '../validate.js';
import { checkCommandInput } from '../devices/commands.js';
import type { BatchAction, BatchCommand, BatchFilter, BatchStatus, BatchUpdate, OutcomeFilter, Refusals, SimBatch, SimBatchItem } from './batch-models.js';
import { MAX_SELECTED, checkSelection, listedItems, resolveListed, storeFilter } from './selection.js';
import { SAMPLE_SIZE, groupListed, preview, type Preview } from './preview.js';
import { batchFairKey, stop } from './batch-run.js';

// Bulk fleet operations (docs/bulk.md): create a batch (or preview one), watch it, cancel it.

export interface BatchRequest {
  sims?: string[];
  filter?: BatchFilter;
  includeSubaccounts?: boolean;
  update: BatchUpdate;
  /** A Command to each SIM instead of an update. */
  command?: BatchCommand;
  waitForUpdating?: boolean;
  /** When to start, in emulated time; now when absent or past. */
  startAt?: number;
  callbackUrl?: string;
  callbackMethod?: HttpMethod;
}

/** How long an idempotency key returns the batch it created. */
export const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;

export type BatchStore = Repos<'simBatches' | 'simBatchItems' | 'sims' | 'accounts' | 'ratePlans' | 'jobs' | 'network' | 'callbacks' | 'commands' | 'devices' | 'usage' | 'events'>;

/** JSON with sorted keys: the same request hashes the same whatever the order of its parameters. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const URL_PARAMS = {
  callbackUrl: 'SimCallbackUrl',
  commandsCallbackUrl: 'CommandsCallbackUrl',
  smsUrl: 'SmsUrl',
  smsFallbackUrl: 'SmsFallbackUrl',
  voiceUrl: 'VoiceUrl',
  voiceFallbackUrl: 'VoiceFallbackUrl',
} as const;

/** Checks what does not depend on the SIMs, so that a bad request fails whole, before anything is written. */
function checkRequest(req: BatchRequest): void {
  checkSelection(req.sims, req.filter);
  const updates = Object.values(req.update).some((v) => v !== undefined);
  if (req.command !== undefined) {
    if (updates) throw invalid('A batch either sends a Command or changes the SIMs, not both: give Command, or the changes');
    checkCommandInput({ ...req.command, sim: 'each' });
    return;
  }
  if (!updates) {
    throw new DomainError('missing_parameter', 'Missing a change: give Status, RatePlan, ResetStatus, AccountSid, FriendlyName, SimCallbackUrl, a URL or method setting of the SIMs, or a Command');
  }
  if (req.update.status !== undefined && req.update.resetStatus !== undefined) throw invalid('Status and ResetStatus cannot be changed in the same batch');
  for (const [key, param] of Object.entries(URL_PARAMS)) {
    const value = req.update[key as keyof typeof URL_PARAMS];
    if (value !== undefined && value !== '') checkUrl(param, value);
  }
  if (req.update.friendlyName !== undefined && req.update.friendlyName !== '') checkName('FriendlyName', req.update.friendlyName);
  if (req.callbackUrl !== undefined) checkUrl('CallbackUrl', req.callbackUrl);
}

/** What each SIM gets. */
export const actionOf = (req: BatchRequest): BatchAction => (req.command ? { command: req.command } : req.update);

export class BatchService {
  constructor(
    private readonly store: BatchStore,
    private readonly clock: Clock,
    private readonly ratePlans: RatePlanService,
  ) {}

  /** What the batch would do, changing nothing. */
  async preview(caller: Caller, req: BatchRequest): Promise<Preview> {
    checkRequest(req);
    if (req.sims !== undefined) {
      const resolved = await resolveListed(this.store, caller, req.sims);
      const sample = resolved.slice(0, SAMPLE_SIZE).map(({ ref, sim }) => sim?.sid ?? ref);
      return preview(this.store, caller, { ...groupListed(resolved), sample }, actionOf(req), req.waitForUpdating ?? false, this.ratePlans);
    }
    const filter = await storeFilter(this.store, caller, req.filter ?? {}, req.includeSubaccounts ?? false, this.ratePlans);
    const selection = filter ? { groups: await this.store.simBatchItems.groups(filter), unknown: [], sample: await this.store.simBatchItems.sample(filter, SAMPLE_SIZE) } : { groups: [], unknown: [], sample: [] };
    return preview(this.store, caller, selection, actionOf(req), req.waitForUpdating ?? false, this.ratePlans);
  }

  /**
   * Creates a batch, its items fixed now, and schedules its first run. With an idempotency key
   * seen within 24 hours, returns that batch instead (`replayed`), or refuses a different request.
   */
  async create(caller: Caller, req: BatchRequest, idempotencyKey: string | undefined, sourceIp: string | null): Promise<{ batch: SimBatch; replayed: boolean }> {
    checkRequest(req);
    const hash = createHash('sha256').update(canonical(req)).digest('hex');
    const prior = idempotencyKey === undefined ? undefined : await this.replay(caller, idempotencyKey, hash);
    if (prior) return { batch: prior, replayed: true };
    try {
      return { batch: await this.insert(caller, req, idempotencyKey, hash, sourceIp), replayed: false };
    } catch (error) {
      // Another request with the same key got there first.
      const raced = error instanceof DomainError && error.code === 'idempotency_conflict' && idempotencyKey !== undefined ? await this.replay(caller, idempotencyKey, hash) : undefined;
      if (raced) return { batch: raced, replayed: true };
      throw error;
    }
  }

  private async replay(caller: Caller, key: string, hash: string): Promise<SimBatch | undefined> {
    const prior = await this.store.simBatches.getByIdempotencyKey(caller.account.sid, key);
    if (!prior || prior.date_created < this.clock.now() - IDEMPOTENCY_WINDOW_MS) return undefined;
    if (prior.request_hash !== hash) throw new DomainError('idempotency_conflict', `The idempotency key "${key}" was used within 24 hours for a different request (SimBatch ${prior.sid})`);
    return prior;
  }

  private insert(caller: Caller, req: BatchRequest, key: string | undefined, hash: string, sourceIp: string | null): Promise<SimBatch> {
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      // A key older than the window is free again.
      const stale = key === undefined ? undefined : await tx.simBatches.getByIdempotencyKey(caller.account.sid, key);
      if (stale) await tx.simBatches.update(stale.sid, { idempotency_key: null });
      const sid = newSid('WB');
      let total = 0;
      let refused = 0;
      if (req.sims !== undefined) {
        const items = listedItems(sid, await resolveListed(tx, caller, req.sims), now);
        await tx.simBatchItems.insertMany(items);
        total = items.length;
        refused = items.filter((item) => item.outcome === 'refused').length;
      } else {
        const filter = await storeFilter(tx, caller, req.filter ?? {}, req.includeSubaccounts ?? false, this.ratePlans);
        total = filter ? await tx.simBatchItems.insertSelected(sid, filter, MAX_SELECTED + 1) : 0;
        if (total > MAX_SELECTED) throw invalid(`The filter selects more than ${MAX_SELECTED} SIMs; narrow it, or split the change into several batches`);
      }
      const batch: SimBatch = {
        sid,
        account_sid: caller.account.sid,
        status: 'queued',
        action: actionOf(req),
        requester: { accountSid: caller.account.sid, credentialAccountSid: caller.credentialAccount.sid, keySid: caller.keySid, sourceIp },
        selection: req.sims !== undefined ? { kind: 'list', count: req.sims.length } : { kind: 'filter', filter: req.filter ?? {}, includeSubaccounts: req.includeSubaccounts ?? false },
        wait_for_updating: req.waitForUpdating ?? false,
        total,
        applied: 0,
        refused,
        skipped: 0,
        cursor: 0,
        idempotency_key: key ?? null,
        request_hash: hash,
        start_at: Math.max(req.startAt ?? now, now),
        callback_url: req.callbackUrl ?? null,
        callback_method: req.callbackMethod ?? 'POST',
        date_created: now,
        date_updated: now,
        date_started: null,
        date_completed: null,
      };
      await tx.simBatches.insert(batch);
      await tx.jobs.enqueue({ kind: 'batch.run', queue: sid, key: `batch.run:${sid}`, fairKey: batchFairKey(batch.account_sid), payload: { batchSid: sid }, runAt: batch.start_at }, now);
      return batch;
    });
  }

  async fetch(caller: Caller, sid: string): Promise<SimBatch> {
    const batch = isSid(sid, 'WB') ? await this.store.simBatches.get(sid) : undefined;
    if (!batch || !(await ownsOrManages(caller, batch.account_sid, (s) => this.store.accounts.get(s)))) throw notFound(`SimBatch ${sid} was not found`);
    return batch;
  }

  list(caller: Caller, status: BatchStatus | undefined, page: PageQuery): Promise<Page<SimBatch>> {
    return this.store.simBatches.list({ accountSid: caller.account.sid, status }, page);
  }

  refusals(batch: SimBatch): Promise<Refusals[]> {
    return batch.refused === 0 ? Promise.resolve([]) : this.store.simBatchItems.refusals(batch.sid);
  }

  async items(caller: Caller, sid: string, outcome: OutcomeFilter | undefined, page: PageQuery): Promise<Page<SimBatchItem>> {
    const batch = await this.fetch(caller, sid);
    return this.store.simBatchItems.list(batch.sid, outcome, page);
  }

  /** Cancels a batch that has not finished: the SIMs not yet changed are skipped. */
  async cancel(caller: Caller, sid: string): Promise<SimBatch> {
    await this.fetch(caller, sid);
    return this.store.transaction(async (tx) => {
      const batch = await tx.simBatches.getForUpdate(sid);
      if (!batch) throw notFound(`SimBatch ${sid} was not found`);
      return stop(tx, batch, 'canceled', "The batch was canceled before this SIM's turn", this.clock.now());
    });
  }
}
