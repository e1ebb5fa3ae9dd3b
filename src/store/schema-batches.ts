import type { Generated } from 'kysely';

// The tables of bulk fleet operations (migration 015), merged into Database (schema.ts).

export interface SimBatchesTable {
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  status: string;
  /** JSON text. */
  action: string;
  /** JSON text. */
  requester: string;
  /** JSON text. */
  selection: string;
  wait_for_updating: number;
  total: number;
  applied: number;
  refused: number;
  skipped: number;
  cursor: number;
  idempotency_key: string | null;
  request_hash: string;
  start_at: number;
  callback_url: string | null;
  callback_method: string;
  date_created: number;
  date_updated: number;
  date_started: number | null;
  date_completed: number | null;
}

export interface SimBatchItemsTable {
  batch_sid: string;
  position: number;
  sim_sid: string | null;
  sim_ref: string;
  outcome: string | null;
  error_reason: string | null;
  error_message: string | null;
  date_updated: number | null;
}

declare module './schema.js' {
  interface Database {
    sim_batches: SimBatchesTable;
    sim_batch_items: SimBatchItemsTable;
  }
}
