import type { Generated } from 'kysely';

// Tables of what SIMs do (migration 004-devices). They join the Database shape of schema.ts by
// declaration merging, so each feature keeps its tables beside its migration.

export interface CommandsTable {
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  sim_sid: string;
  command: string;
  command_mode: string;
  transport: string;
  delivery_receipt_requested: number;
  status: string;
  direction: string;
  callback_url: string | null;
  callback_method: string;
  error_code: number | null;
  error_message: string | null;
  date_created: number;
  date_updated: number;
}

export interface DataSessionsTable {
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  sim_sid: string;
  zone: string;
  radio_link: string;
  operator_mcc: string;
  operator_mnc: string;
  operator_country: string;
  operator_name: string;
  cell_id: string | null;
  cell_lat: number | null;
  cell_lon: number | null;
  imei: string | null;
  bytes_uploaded: number;
  bytes_downloaded: number;
  packets_uploaded: number;
  packets_downloaded: number;
  start_time: number;
  end_time: number;
  last_updated: number;
}

export interface DevicesTable {
  sim_sid: string;
  online: number;
  acknowledge_commands: number;
  radio_link: string;
  operator_mcc: string;
  operator_mnc: string;
  operator_country: string;
  operator_name: string;
  cell_id: string | null;
  imei: string | null;
  data_bytes_total: number;
  commands_total: number;
  first_used_at: number | null;
  date_updated: number;
}

/** Usage per scope (a SIM sid or an account sid), UTC hour, zone and roaming country. */
export interface UsageHourlyTable {
  scope_sid: string;
  hour: number;
  zone: string;
  country: string;
  data_upload: number;
  data_download: number;
  commands_to_sim: number;
  commands_from_sim: number;
}

declare module './schema.js' {
  interface Database {
    commands: CommandsTable;
    data_sessions: DataSessionsTable;
    devices: DevicesTable;
    usage_hourly: UsageHourlyTable;
  }
}
