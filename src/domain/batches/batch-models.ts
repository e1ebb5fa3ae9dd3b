import type { HttpMethod, Page, PageQuery, SimStatus } from '../models.js';
import type { DomainErrorCode } from '../errors.js';
import type { SimUpdateInput } from '../sims/service.js';
import type { CommandInput } from '../devices/commands.js';

// Bulk fleet operations (docs/bulk.md): a batch applies one change to many SIMs, each SIM by the
// rules of a single `POST /v1/Sims/{Sid}`. The SIMs are fixed when the batch is created, as its
// items; each item ends applied, refused (with the error a single request would have met) or
// skipped (the batch was canceled or failed first).

export type BatchStatus = 'queued' | 'running' | 'completed' | 'canceled' | 'failed';
export const BATCH_STATUSES: readonly BatchStatus[] = ['queued', 'running', 'completed', 'canceled', 'failed'];
export const FINISHED: readonly BatchStatus[] = ['completed', 'canceled', 'failed'];

export type ItemOutcome = 'applied' | 'refused' | 'skipped';
/** `pending`: no outcome yet. */
export type OutcomeFilter = ItemOutcome | 'pending';

/** The change each SIM gets: the parameters of a single update that make sense in bulk. */
export type BatchUpdate = Pick<
  SimUpdateInput,
  | 'status'
  | 'ratePlan'
  | 'resetStatus'
  | 'accountSid'
  | 'friendlyName'
  | 'callbackUrl'
  | 'callbackMethod'
  | 'commandsCallbackUrl'
  | 'commandsCallbackMethod'
  | 'smsUrl'
  | 'smsMethod'
  | 'smsFallbackUrl'
  | 'smsFallbackMethod'
  | 'voiceUrl'
  | 'voiceMethod'
  | 'voiceFallbackUrl'
  | 'voiceFallbackMethod'
>;

/** A Command to each SIM: the parameters of `POST /v1/Commands` but the SIM. */
export type BatchCommand = Omit<CommandInput, 'sim'>;

/** What a batch does to each SIM: an update, or a Command. */
export type BatchAction = BatchUpdate & { command?: BatchCommand };

/** The list filters of `GET /v1/Sims`, as asked (RatePlan by SID or unique name). */
export interface BatchFilter {
  status?: SimStatus;
  iccid?: string;
  ratePlan?: string;
  eId?: string;
  registrationCode?: string;
}

/** How the SIMs were chosen: an explicit list, or a filter. */
export type BatchSelection = { kind: 'list'; count: number } | { kind: 'filter'; filter: BatchFilter; includeSubaccounts: boolean };

/** Who created the batch: each SIM's change is made as this caller, from this address. */
export interface Requester {
  accountSid: string;
  credentialAccountSid: string;
  keySid: string | null;
  sourceIp: string | null;
}

export interface SimBatch {
  sid: string;
  account_sid: string;
  status: BatchStatus;
  action: BatchAction;
  requester: Requester;
  selection: BatchSelection;
  wait_for_updating: boolean;
  total: number;
  applied: number;
  refused: number;
  skipped: number;
  cursor: number;
  idempotency_key: string | null;
  request_hash: string;
  start_at: number;
  callback_url: string | null;
  callback_method: HttpMethod;
  date_created: number;
  date_updated: number;
  date_started: number | null;
  date_completed: number | null;
}

export interface SimBatchItem {
  batch_sid: string;
  position: number;
  sim_sid: string | null;
  /** The SID or unique name as listed (a filter lists SIDs). */
  sim_ref: string;
  outcome: ItemOutcome | null;
  /** Why it was refused or skipped: the domain's error code, which the wire maps to Twilio's. */
  error_reason: DomainErrorCode | null;
  error_message: string | null;
  date_updated: number | null;
}

/** How many items were refused for one reason. */
export interface Refusals {
  reason: DomainErrorCode;
  count: number;
}

/** The SIMs a filter selects, in the store's terms. */
export interface SelectionFilter {
  accountSids: string[];
  status?: SimStatus;
  iccid?: string;
  ratePlanSid?: string;
  eId?: string;
  registrationCode?: string;
}

/** Selected SIMs that the rules treat alike: one of them stands for all in a preview. */
export interface SelectionGroup {
  account_sid: string;
  status: SimStatus;
  rate_plan_sid: string | null;
  reset_status: string | null;
  /** One SIM of the group. */
  sim_sid: string;
  count: number;
}

export type BatchChanges = Partial<Pick<SimBatch, 'status' | 'applied' | 'refused' | 'skipped' | 'cursor' | 'idempotency_key' | 'date_updated' | 'date_started' | 'date_completed'>>;

export interface SimBatchRepo {
  insert(batch: SimBatch): Promise<void>;
  get(sid: string): Promise<SimBatch | undefined>;
  /** Reads the batch and locks it for the rest of the transaction where the database can. */
  getForUpdate(sid: string): Promise<SimBatch | undefined>;
  getByIdempotencyKey(accountSid: string, key: string): Promise<SimBatch | undefined>;
  /** Newest first. */
  list(filter: { accountSid: string; status?: BatchStatus }, page: PageQuery): Promise<Page<SimBatch>>;
  update(sid: string, changes: BatchChanges): Promise<void>;
  /** Deletes up to `limit` batches that finished before `before`, with their items; returns how many. */
  pruneFinishedBefore(before: number, limit: number): Promise<number>;
}

export interface SimBatchItemRepo {
  /** Writes an item for every SIM the filter selects, in the order they were added; returns how many. */
  insertSelected(batchSid: string, filter: SelectionFilter, limit: number): Promise<number>;
  insertMany(items: SimBatchItem[]): Promise<void>;
  /** Pending items after a position, in order. */
  pendingAfter(batchSid: string, position: number, limit: number): Promise<SimBatchItem[]>;
  /** Records one outcome for several items. */
  settle(batchSid: string, positions: number[], outcome: ItemOutcome, now: number): Promise<void>;
  /** Records a refusal with its reason. */
  refuse(batchSid: string, position: number, reason: DomainErrorCode, message: string, now: number): Promise<void>;
  /** Every pending item becomes skipped, with a message that says why; returns how many. */
  skipPending(batchSid: string, message: string, now: number): Promise<number>;
  countPending(batchSid: string): Promise<number>;
  refusals(batchSid: string): Promise<Refusals[]>;
  /** In position order; `seq` is the position. */
  list(batchSid: string, outcome: OutcomeFilter | undefined, page: PageQuery): Promise<Page<SimBatchItem>>;
  /** How many SIMs the filter selects, grouped by what the rules look at. */
  groups(filter: SelectionFilter): Promise<SelectionGroup[]>;
  /** The first SIMs the filter selects, by SID. */
  sample(filter: SelectionFilter, limit: number): Promise<string[]>;
}
