import type { HttpMethod } from '../models.js';

// Records of what SIMs do: Commands, data sessions, the simulated device, and hourly usage.
// Field names follow the stored columns and Twilio's JSON, as in models.ts.

export type CommandStatus = 'queued' | 'sent' | 'delivered' | 'received' | 'failed';
export type CommandDirection = 'to_sim' | 'from_sim';
export type CommandMode = 'text' | 'binary';
export type CommandTransport = 'sms' | 'ip';

/** Where a SIM is served: its home network, another US network, or a network abroad. */
export type Zone = 'home' | 'national_roaming' | 'international_roaming';

export interface Command {
  sid: string;
  account_sid: string;
  sim_sid: string;
  /** The message as carried: text, or base64 of the bytes in binary mode. */
  command: string;
  command_mode: CommandMode;
  transport: CommandTransport;
  delivery_receipt_requested: boolean;
  status: CommandStatus;
  direction: CommandDirection;
  callback_url: string | null;
  callback_method: HttpMethod;
  /** Why a failed Command failed (a Twilio error code and its message); null otherwise. */
  error_code: number | null;
  error_message: string | null;
  date_created: number;
  date_updated: number;
}

/** The mobile network a device is attached to. */
export interface Network {
  operator_mcc: string;
  operator_mnc: string;
  /** Three-letter country code. */
  operator_country: string;
  operator_name: string;
}

export interface CellLocation {
  lat: number;
  lon: number;
}

export interface DataSession extends Network {
  sid: string;
  account_sid: string;
  sim_sid: string;
  zone: Zone;
  radio_link: string;
  cell_id: string | null;
  cell_location_estimate: CellLocation | null;
  imei: string | null;
  bytes_uploaded: number;
  bytes_downloaded: number;
  packets_uploaded: number;
  packets_downloaded: number;
  start: number;
  end: number;
  last_updated: number;
}

/** The simulated device in which a SIM sits. A Sim without a stored device has DEFAULT_DEVICE. */
export interface Device extends Network {
  sim_sid: string;
  online: boolean;
  /** Whether the device returns delivery receipts for Commands it receives. */
  acknowledge_commands: boolean;
  radio_link: string;
  cell_id: string | null;
  imei: string | null;
  /** Lifetime bytes (up and down) and Commands (sent to it or received from it). */
  data_bytes_total: number;
  commands_total: number;
  /** When the SIM first used the network: its day of the month starts each metering month. */
  first_used_at: number | null;
  date_updated: number;
}

/** Usage of one scope (a SIM or an account) in one UTC hour and one zone. */
export interface UsageDelta {
  /** Start of the UTC hour, epoch milliseconds. */
  hour: number;
  zone: Zone;
  /** Country of an international roaming network; '' at home and on national roaming. */
  country: string;
  data_upload: number;
  data_download: number;
  commands_to_sim: number;
  commands_from_sim: number;
}
