import { Type } from '@sinclair/typebox';
import { Closed, DateTime, Enum, Nullable } from './described.js';
import { isoDate } from './format.js';
import { answerFor } from './errors.js';
import type { Preview } from '../domain/batches/preview.js';
import { BATCH_STATUSES, type BatchAction, type BatchCommand, type BatchUpdate, type Refusals, type SimBatch, type SimBatchItem } from '../domain/batches/batch-models.js';
import type { DomainErrorCode } from '../domain/errors.js';

// The shapes of /wisp/v1/SimBatches (docs/bulk.md): TypeBox schemas for /openapi.json, and the
// serializers that write them, every key present.

/** Each SIM's change, by the parameter that sets it. */
export const UPDATE_PARAMS = {
  status: 'Status',
  ratePlan: 'RatePlan',
  resetStatus: 'ResetStatus',
  accountSid: 'AccountSid',
  friendlyName: 'FriendlyName',
  callbackUrl: 'SimCallbackUrl',
  callbackMethod: 'SimCallbackMethod',
  commandsCallbackUrl: 'CommandsCallbackUrl',
  commandsCallbackMethod: 'CommandsCallbackMethod',
  smsUrl: 'SmsUrl',
  smsMethod: 'SmsMethod',
  smsFallbackUrl: 'SmsFallbackUrl',
  smsFallbackMethod: 'SmsFallbackMethod',
  voiceUrl: 'VoiceUrl',
  voiceMethod: 'VoiceMethod',
  voiceFallbackUrl: 'VoiceFallbackUrl',
  voiceFallbackMethod: 'VoiceFallbackMethod',
} as const satisfies Record<keyof BatchUpdate, string>;

/** A Command to each SIM, by the parameter that sets each part. */
const COMMAND_PARAMS = {
  command: 'Command',
  commandMode: 'CommandMode',
  includeSid: 'IncludeSid',
  callbackUrl: 'CommandCallbackUrl',
  callbackMethod: 'CommandCallbackMethod',
  deliveryReceiptRequested: 'DeliveryReceiptRequested',
} as const satisfies Record<keyof BatchCommand, string>;

export const FILTER_PARAMS = {
  status: 'Filter.Status',
  ratePlan: 'Filter.RatePlan',
  iccid: 'Filter.Iccid',
  eId: 'Filter.EId',
  registrationCode: 'Filter.SimRegistrationCode',
} as const;

const Params = Type.Record(Type.String(), Type.String());
const Code = Type.Integer({ description: "The Twilio error code a single POST /v1/Sims/{Sid} would have answered (docs/api.md)" });

const Selection = Closed({
  sims: Nullable(Type.Integer({ description: 'How many SIMs were listed (Sims), or null for a filter' })),
  filter: Nullable(Params),
  include_subaccounts: Type.Boolean(),
});

export const SimBatchJson = Closed(
  {
    sid: Type.String({ pattern: '^WB[0-9a-f]{32}$' }),
    account_sid: Type.String(),
    status: Enum(BATCH_STATUSES),
    action: Params,
    selection: Selection,
    wait_for_updating: Type.Boolean(),
    counts: Closed({ total: Type.Integer(), applied: Type.Integer(), refused: Type.Integer(), skipped: Type.Integer(), pending: Type.Integer() }),
    refusals: Type.Array(Closed({ code: Code, count: Type.Integer() })),
    start_at: DateTime,
    callback_url: Nullable(Type.String()),
    callback_method: Enum(['GET', 'POST']),
    date_created: DateTime,
    date_updated: DateTime,
    date_started: Nullable(DateTime),
    date_completed: Nullable(DateTime),
    url: Type.String(),
    links: Closed({ items: Type.String() }),
  },
  'A batch of SIM changes',
);

export const PreviewJson = Closed(
  {
    dry_run: Type.Boolean(),
    account_sid: Type.String(),
    action: Params,
    selection: Selection,
    wait_for_updating: Type.Boolean(),
    total: Type.Integer(),
    sample: Type.Array(Type.String(), { description: 'The first SIMs selected: SIDs, or the reference listed when it matched no SIM' }),
    would_apply: Type.Integer(),
    would_wait: Type.Integer(),
    refusals: Type.Array(Closed({ code: Code, count: Type.Integer(), message: Type.String() })),
  },
  'What a batch would do; nothing was changed',
);

const Meta = Closed({
  first_page_url: Type.String(),
  key: Type.String(),
  next_page_url: Nullable(Type.String()),
  page: Type.Integer(),
  page_size: Type.Integer(),
  previous_page_url: Nullable(Type.String()),
  url: Type.String(),
});

export const SimBatchPage = Closed({ sim_batches: Type.Array(SimBatchJson), meta: Meta });

export const ItemJson = Closed({
  batch_sid: Type.String(),
  position: Type.Integer(),
  sim_sid: Nullable(Type.String()),
  sim: Type.String({ description: 'The SID or unique name as listed' }),
  outcome: Enum(['pending', 'applied', 'refused', 'skipped']),
  error_code: Nullable(Code),
  error_message: Nullable(Type.String()),
  date_updated: Nullable(DateTime),
});

export const ItemPage = Closed({ items: Type.Array(ItemJson), meta: Meta });

const codeOf = (reason: DomainErrorCode) => answerFor(reason, '/v1/Sims').code;

export function actionJson(action: BatchAction): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, param] of Object.entries(UPDATE_PARAMS)) {
    const value = action[key as keyof BatchUpdate];
    if (value !== undefined) out[param] = value;
  }
  for (const [key, param] of Object.entries(COMMAND_PARAMS)) {
    const value = action.command?.[key as keyof BatchCommand];
    if (value !== undefined) out[param] = String(value);
  }
  return out;
}

function selectionJson(batch: Pick<SimBatch, 'selection'>) {
  const s = batch.selection;
  if (s.kind === 'list') return { sims: s.count, filter: null, include_subaccounts: false };
  const filter: Record<string, string> = {};
  for (const [key, param] of Object.entries(FILTER_PARAMS)) {
    const value = s.filter[key as keyof typeof FILTER_PARAMS];
    if (value !== undefined) filter[param] = value;
  }
  return { sims: null, filter, include_subaccounts: s.includeSubaccounts };
}

export function batchJson(batch: SimBatch, refusals: Refusals[], base: string) {
  const url = `${base}/wisp/v1/SimBatches/${batch.sid}`;
  const byCode = new Map<number, number>();
  for (const r of refusals) byCode.set(codeOf(r.reason), (byCode.get(codeOf(r.reason)) ?? 0) + r.count);
  return {
    sid: batch.sid,
    account_sid: batch.account_sid,
    status: batch.status,
    action: actionJson(batch.action),
    selection: selectionJson(batch),
    wait_for_updating: batch.wait_for_updating,
    counts: {
      total: batch.total,
      applied: batch.applied,
      refused: batch.refused,
      skipped: batch.skipped,
      pending: batch.total - batch.applied - batch.refused - batch.skipped,
    },
    refusals: [...byCode].map(([code, count]) => ({ code, count })),
    start_at: isoDate(batch.start_at),
    callback_url: batch.callback_url,
    callback_method: batch.callback_method,
    date_created: isoDate(batch.date_created),
    date_updated: isoDate(batch.date_updated),
    date_started: batch.date_started === null ? null : isoDate(batch.date_started),
    date_completed: batch.date_completed === null ? null : isoDate(batch.date_completed),
    url,
    links: { items: `${url}/Items` },
  };
}

export function previewJson(accountSid: string, batch: Pick<SimBatch, 'action' | 'selection' | 'wait_for_updating'>, preview: Preview) {
  return {
    dry_run: true,
    account_sid: accountSid,
    action: actionJson(batch.action),
    selection: selectionJson(batch),
    wait_for_updating: batch.wait_for_updating,
    total: preview.total,
    sample: preview.sample,
    would_apply: preview.wouldApply,
    would_wait: preview.wouldWait,
    refusals: preview.refusals.map((r) => ({ code: codeOf(r.reason), count: r.count, message: r.message })),
  };
}

export function itemJson(item: SimBatchItem) {
  return {
    batch_sid: item.batch_sid,
    position: item.position,
    sim_sid: item.sim_sid,
    sim: item.sim_ref,
    outcome: item.outcome ?? 'pending',
    error_code: item.error_reason ? codeOf(item.error_reason) : null,
    error_message: item.error_message,
    date_updated: item.date_updated === null ? null : isoDate(item.date_updated),
  };
}
