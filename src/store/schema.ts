import type { Generated } from 'kysely';
import type { JobsTable } from '../engine/index.js';

// Table shapes as stored. Booleans are 0/1 integers and times are epoch milliseconds in both
// dialects, so one set of queries serves SQLite and PostgreSQL.

export interface AccountsTable {
  seq: Generated<number>;
  sid: string;
  owner_account_sid: string;
  friendly_name: string;
  status: string;
  type: string;
  auth_token: string;
  date_created: number;
  date_updated: number;
}

export interface ApiKeysTable {
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  friendly_name: string | null;
  secret_hash: string;
  date_created: number;
  date_updated: number;
}

export interface RatePlansTable {
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  unique_name: string | null;
  friendly_name: string | null;
  data_enabled: number;
  data_metering: string;
  data_limit: number;
  data_limit_strategy: string;
  messaging_enabled: number;
  voice_enabled: number;
  national_roaming_enabled: number;
  national_roaming_data_limit: number;
  international_roaming: string;
  international_roaming_data_limit: number;
  date_created: number;
  date_updated: number;
}

export interface SimsTable {
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  unique_name: string | null;
  friendly_name: string | null;
  iccid: string;
  e_id: string | null;
  registration_code: string;
  status: string;
  reset_status: string | null;
  rate_plan_sid: string | null;
  commands_callback_url: string | null;
  commands_callback_method: string;
  sms_url: string | null;
  sms_method: string;
  sms_fallback_url: string | null;
  sms_fallback_method: string;
  voice_url: string | null;
  voice_method: string;
  voice_fallback_url: string | null;
  voice_fallback_method: string;
  ip_address: string | null;
  date_created: number;
  date_updated: number;
}

export interface InventoryTable {
  iccid: string;
  registration_code: string;
  e_id: string | null;
  sim_sid: string | null;
  imported_at: number;
}

export interface EventsTable {
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  actor_sid: string | null;
  actor_type: string | null;
  actor_account_sid: string | null;
  description: string | null;
  /** JSON text. */
  event_data: string | null;
  event_date: number;
  event_type: string;
  resource_sid: string | null;
  resource_type: string | null;
  source: string;
  source_ip_address: string | null;
}

export interface CallbacksTable {
  id: Generated<number>;
  sim_sid: string;
  account_sid: string;
  url: string;
  method: string;
  /** JSON text. */
  params: string;
  state: string;
  attempts: number;
  response_status: number | null;
  response_body: string | null;
  error: string | null;
  duration_ms: number | null;
  replay_of: number | null;
  next_attempt_at: number | null;
  first_attempt_at: number | null;
  last_attempt_at: number | null;
  delivered_at: number | null;
  date_created: number;
}

export interface NetworkStateTable {
  id: number;
  available: number;
  latency_ms: number;
  failure_rate: number;
  date_updated: number;
}

export interface EmulatedClockTable {
  id: number;
  offset_ms: number;
}

export interface SimFeesTable {
  id: Generated<number>;
  sim_sid: string;
  account_sid: string;
  kind: string;
  period_start: number;
  period_end: number;
  date_created: number;
}

/** Failed logins per client address or user name, shared by every process (store migration 011). */
export interface LoginFailuresTable {
  /** SHA-256 of what is counted (an address or a user name, with its throttle's prefix), in hex. */
  key: string;
  failures: number;
  reset_at: number;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  rate_plans: RatePlansTable;
  sims: SimsTable;
  sim_inventory: InventoryTable;
  jobs: JobsTable;
  callbacks: CallbacksTable;
  network_state: NetworkStateTable;
  emulated_clock: EmulatedClockTable;
  credential_version: { id: number; version: number };
  state_version: { id: number; version: number };
  login_failures: LoginFailuresTable;
  sim_fees: SimFeesTable;
  events: EventsTable;
  console_sessions: ConsoleSessionsTable;
}

export interface ConsoleSessionsTable {
  id_hash: string;
  kind: string;
  user_sid: string | null;
  proof: string;
  acting_account_sid: string | null;
  csrf_token: string;
  date_created: number;
  expires_at: number;
  last_seen_at: number;
}
