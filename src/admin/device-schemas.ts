import { Type } from '@sinclair/typebox';
import { Closed, DateTime, Enum, Nullable } from '../http/described.js';

// The device simulator's bodies and answers (devices.ts), for /openapi.json.

const Count = Type.Integer({ minimum: 0 });
const network = {
  operator_mcc: Type.String(),
  operator_mnc: Type.String(),
  operator_country: Type.String({ description: 'Three-letter country code' }),
  operator_name: Type.String(),
};
const CellLocation = Closed({ lat: Type.Number(), lon: Type.Number() });

export const Device = Closed({
  sim_sid: Type.String(),
  ...network,
  online: Type.Boolean(),
  acknowledge_commands: Type.Boolean({ description: 'Whether the device returns delivery receipts for Commands' }),
  radio_link: Type.String(),
  cell_id: Nullable(Type.String()),
  imei: Nullable(Type.String()),
  data_bytes_total: Count,
  commands_total: Count,
  first_used_at: Nullable(DateTime),
  date_updated: DateTime,
});

export const DeviceChange = Type.Partial(
  Closed({
    ...network,
    online: Type.Boolean(),
    acknowledge_commands: Type.Boolean(),
    radio_link: Type.String(),
    cell_id: Nullable(Type.String()),
    imei: Nullable(Type.String()),
  }),
);

export const DataSessionUse = Closed({
  bytes_uploaded: Count,
  bytes_downloaded: Count,
  packets_uploaded: Type.Optional(Count),
  packets_downloaded: Type.Optional(Count),
  start: Type.Optional(DateTime),
  duration_seconds: Type.Optional(Count),
  radio_link: Type.Optional(Type.String()),
  cell_id: Type.Optional(Nullable(Type.String())),
  cell_location_estimate: Type.Optional(Nullable(CellLocation)),
  imei: Type.Optional(Nullable(Type.String())),
  ...Type.Partial(Closed(network)).properties,
});

/** Twilio's DataSession resource. */
const DataSession = Closed({
  sid: Type.String(),
  sim_sid: Type.String(),
  account_sid: Type.String(),
  radio_link: Type.String(),
  ...network,
  cell_id: Nullable(Type.String()),
  cell_location_estimate: Nullable(CellLocation),
  packets_uploaded: Count,
  packets_downloaded: Count,
  last_updated: DateTime,
  start: DateTime,
  end: DateTime,
  imei: Nullable(Type.String()),
});

const Bytes = Closed({ bytes_uploaded: Count, bytes_downloaded: Count });
export const DataSessionRecorded = Closed({
  data_session: DataSession,
  zone: Enum(['home', 'national_roaming', 'international_roaming']),
  requested: Bytes,
  carried: Bytes,
  truncated: Type.Boolean({ description: "The plan's limit cut the session short (block)" }),
  throttled: Type.Boolean({ description: "The plan's limit slowed it (throttle)" }),
});

export const CommandSent = Closed({ command: Type.String(), command_mode: Type.Optional(Enum(['text', 'binary'])) });

/** Twilio's Command resource. */
export const Command = Closed({
  sid: Type.String(),
  account_sid: Type.String(),
  sim_sid: Type.String(),
  command: Type.String(),
  command_mode: Type.String(),
  transport: Type.String(),
  delivery_receipt_requested: Type.Boolean(),
  status: Type.String(),
  direction: Type.String(),
  date_created: DateTime,
  date_updated: DateTime,
  url: Type.String(),
});
