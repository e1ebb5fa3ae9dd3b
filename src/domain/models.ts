// Plain records the domain works with. Field names follow the stored columns (and Twilio's JSON)
// so the three layers speak of the same thing by the same name.

export type AccountStatus = 'active' | 'suspended' | 'closed';
export type SimStatus = 'new' | 'ready' | 'active' | 'suspended' | 'deactivated' | 'canceled' | 'scheduled' | 'updating';
export type HttpMethod = 'GET' | 'POST';
export type DataLimitStrategy = 'block' | 'throttle';

export interface Account {
  sid: string;
  owner_account_sid: string;
  friendly_name: string;
  status: AccountStatus;
  type: 'Trial' | 'Full';
  auth_token: string;
  date_created: number;
  date_updated: number;
}

export interface ApiKey {
  sid: string;
  account_sid: string;
  friendly_name: string | null;
  secret_hash: string;
  date_created: number;
  date_updated: number;
}

export interface RatePlan {
  sid: string;
  account_sid: string;
  unique_name: string | null;
  friendly_name: string | null;
  data_enabled: boolean;
  data_metering: string;
  data_limit: number;
  data_limit_strategy: DataLimitStrategy;
  messaging_enabled: boolean;
  voice_enabled: boolean;
  national_roaming_enabled: boolean;
  national_roaming_data_limit: number;
  international_roaming: string[];
  international_roaming_data_limit: number;
  date_created: number;
  date_updated: number;
}

export interface Sim {
  sid: string;
  account_sid: string;
  unique_name: string | null;
  friendly_name: string | null;
  iccid: string;
  e_id: string | null;
  registration_code: string;
  status: SimStatus;
  reset_status: 'resetting' | null;
  rate_plan_sid: string | null;
  commands_callback_url: string | null;
  commands_callback_method: HttpMethod;
  sms_url: string | null;
  sms_method: HttpMethod;
  sms_fallback_url: string | null;
  sms_fallback_method: HttpMethod;
  voice_url: string | null;
  voice_method: HttpMethod;
  voice_fallback_url: string | null;
  voice_fallback_method: HttpMethod;
  ip_address: string | null;
  date_created: number;
  date_updated: number;
}

export interface InventorySim {
  iccid: string;
  registration_code: string;
  e_id: string | null;
  sim_sid: string | null;
  imported_at: number;
}

/** A list position: rows carry an internal sequence number that keyset paging walks. */
export type Seq<T> = T & { seq: number };

export interface PageQuery {
  /** Return rows after this sequence number (forward paging). */
  afterSeq?: number;
  /** Return rows before this sequence number (backward paging). */
  beforeSeq?: number;
  limit: number;
}

export interface Page<T> {
  items: Seq<T>[];
  /** Whether more rows follow the last item. */
  hasMore: boolean;
}

export type EventActorType = 'account' | 'api-key' | 'system';

/** A Monitor event: one entry of the account's audit log. */
export interface MonitorEvent {
  sid: string;
  /** The account the affected resource belongs to. */
  account_sid: string;
  actor_sid: string | null;
  actor_type: EventActorType | null;
  /** The account an API key actor belongs to, so its link can be built; null otherwise. */
  actor_account_sid: string | null;
  description: string | null;
  event_data: Record<string, unknown> | null;
  event_date: number;
  event_type: string;
  resource_sid: string | null;
  resource_type: string | null;
  /** `api` for a request to the API, `twilio` for the platform's own automatic changes. */
  source: string;
  source_ip_address: string | null;
}

/** The simulated operator's behaviour, shared by every process through the database. */
export interface NetworkSettings {
  available: boolean;
  latency_ms: number;
  failure_rate: number;
  date_updated: number;
}

/** A fee recorded for a Sim over one period (three months suspended starts a monthly one). */
export interface SimFee {
  sim_sid: string;
  account_sid: string;
  kind: 'suspended';
  period_start: number;
  period_end: number;
  date_created: number;
}
