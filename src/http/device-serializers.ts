import type { Command, DataSession } from '../domain/devices/device-models.js';
import type { UsageRecord, ZoneTotals } from '../domain/devices/usage-records.js';
import { isoDate } from './format.js';

// Commands, data sessions and usage records as Twilio's JSON: every documented key.

export function commandJson(command: Command, base: string) {
  return {
    sid: command.sid,
    account_sid: command.account_sid,
    sim_sid: command.sim_sid,
    command: command.command,
    command_mode: command.command_mode,
    transport: command.transport,
    delivery_receipt_requested: command.delivery_receipt_requested,
    status: command.status,
    direction: command.direction,
    date_created: isoDate(command.date_created),
    date_updated: isoDate(command.date_updated),
    url: `${base}/v1/Commands/${command.sid}`,
  };
}

export function dataSessionJson(session: DataSession) {
  return {
    sid: session.sid,
    sim_sid: session.sim_sid,
    account_sid: session.account_sid,
    radio_link: session.radio_link,
    operator_mcc: session.operator_mcc,
    operator_mnc: session.operator_mnc,
    operator_country: session.operator_country,
    operator_name: session.operator_name,
    cell_id: session.cell_id,
    cell_location_estimate: session.cell_location_estimate,
    packets_uploaded: session.packets_uploaded,
    packets_downloaded: session.packets_downloaded,
    last_updated: isoDate(session.last_updated),
    start: isoDate(session.start),
    end: isoDate(session.end),
    imei: session.imei,
  };
}

// Wisp does not price usage: every `billed` amount is 0 USD.
const money = { billing_units: 'USD', billed: 0 };

const dataOf = (z: ZoneTotals) => ({ ...money, total: z.data_upload + z.data_download, upload: z.data_upload, download: z.data_download, units: 'bytes' });
const commandsOf = (z: ZoneTotals) => ({ ...money, total: z.commands_to_sim + z.commands_from_sim, from_sim: z.commands_from_sim, to_sim: z.commands_to_sim });

function sumAll(record: UsageRecord): ZoneTotals {
  const all: ZoneTotals = { data_upload: 0, data_download: 0, commands_to_sim: 0, commands_from_sim: 0 };
  const { home, national_roaming, international_roaming } = record.usage;
  for (const z of [home, national_roaming, ...international_roaming]) {
    all.data_upload += z.data_upload;
    all.data_download += z.data_download;
    all.commands_to_sim += z.commands_to_sim;
    all.commands_from_sim += z.commands_from_sim;
  }
  return all;
}

function usageBody(record: UsageRecord) {
  const all = sumAll(record);
  const { home, national_roaming, international_roaming } = record.usage;
  return {
    commands: {
      ...commandsOf(all),
      home: commandsOf(home),
      national_roaming: commandsOf(national_roaming),
      international_roaming: international_roaming.map((z) => ({ country: z.country, ...commandsOf(z) })),
    },
    data: {
      ...dataOf(all),
      home: dataOf(home),
      national_roaming: dataOf(national_roaming),
      international_roaming: international_roaming.map((z) => ({ country: z.country, ...dataOf(z) })),
    },
    period: { start: isoDate(record.period.start), end: isoDate(record.period.end) },
  };
}

export function simUsageRecordJson(record: UsageRecord) {
  return { sim_sid: record.sim_sid, account_sid: record.account_sid, ...usageBody(record) };
}

export function accountUsageRecordJson(record: UsageRecord) {
  return { account_sid: record.account_sid, ...usageBody(record) };
}
