import type { Repos, Tx } from '../ports.js';
import type { Clock } from '../clock.js';
import { invalid, notFound } from '../errors.js';
import type { Sim } from '../models.js';
import type { Device, Network, UsageDelta, Zone } from './device-models.js';
import { activateByUse, type MoveTx } from '../sims/moves.js';
import { HOME_NETWORK, isUsMcc, reachesActivation } from './plan-rules.js';
import { HOUR, floorTo } from './usage-periods.js';
import { isSid } from '../sids.js';
import { luhnValid } from '../iccid.js';
import { sendQueued } from './command-steps.js';

// The simulated device in each SIM, and the metering that every use of the network goes through.

export const RADIO_LINKS = ['2G', '3G', '4G', 'LTE', 'LTE-M', 'NB-IoT', '5G'] as const;

export function defaultDevice(simSid: string, now: number): Device {
  return {
    sim_sid: simSid,
    online: true,
    acknowledge_commands: true,
    radio_link: 'LTE',
    ...HOME_NETWORK,
    cell_id: null,
    imei: null,
    data_bytes_total: 0,
    commands_total: 0,
    first_used_at: null,
    date_updated: now,
  };
}

/** A Sim for the simulator (the operator's view: any account, by SID). */
export async function simForDevice(store: Tx<'sims'>, simSid: string, lock: boolean): Promise<Sim> {
  const sim = isSid(simSid, 'DE') ? (lock ? await store.sims.getForUpdate(simSid) : await store.sims.get(simSid)) : undefined;
  if (!sim) throw notFound(`Sim ${simSid} was not found`);
  return sim;
}

export async function deviceOf(store: Tx<'devices'>, simSid: string, now: number): Promise<Device> {
  return (await store.devices.get(simSid)) ?? defaultDevice(simSid, now);
}

export interface NetworkInput {
  operator_mcc?: string;
  operator_mnc?: string;
  operator_country?: string;
  operator_name?: string;
}

/** A network from partial input over a base one; a non-US network must name its country. */
export function networkFrom(input: NetworkInput, base: Network): Network {
  if (input.operator_mcc === undefined && input.operator_mnc === undefined) {
    if (input.operator_country !== undefined && input.operator_country !== base.operator_country) {
      throw invalid('operator_country changes only with the network: give operator_mcc and operator_mnc too');
    }
    return {
      operator_mcc: base.operator_mcc,
      operator_mnc: base.operator_mnc,
      operator_country: base.operator_country,
      operator_name: input.operator_name ?? base.operator_name,
    };
  }
  const mcc = input.operator_mcc ?? base.operator_mcc;
  const mnc = input.operator_mnc ?? base.operator_mnc;
  if (!/^\d{3}$/.test(mcc)) throw invalid('operator_mcc must be three digits');
  if (!/^\d{2,3}$/.test(mnc)) throw invalid('operator_mnc must be two or three digits');
  const country = input.operator_country ?? (isUsMcc(mcc) ? 'USA' : undefined);
  if (country === undefined) throw invalid('operator_country (three letters) is required for a network outside the United States');
  if (!/^[A-Z]{3}$/.test(country)) throw invalid('operator_country must be three capital letters, such as USA or GBR');
  if (isUsMcc(mcc) !== (country === 'USA')) throw invalid(`operator_country ${country} does not match mobile country code ${mcc}`);
  return { operator_mcc: mcc, operator_mnc: mnc, operator_country: country, operator_name: input.operator_name ?? `${country} ${mcc}-${mnc}` };
}

export function checkImei(imei: string | null): void {
  if (imei !== null && !(/^\d{15}$/.test(imei) && luhnValid(imei))) throw invalid('imei must be 15 digits ending in a Luhn check digit');
}

export interface DeviceInput extends NetworkInput {
  online?: boolean;
  acknowledge_commands?: boolean;
  radio_link?: string;
  cell_id?: string | null;
  imei?: string | null;
}

/** One use of the network, to be added to the usage aggregates. */
export interface Use {
  at: number;
  zone: Zone;
  country: string;
  upload?: number;
  download?: number;
  toSim?: number;
  fromSim?: number;
}

/**
 * Records one use of the network in the hourly aggregates of the SIM and of its account and in
 * the device's lifetime totals, inside the caller's transaction; then moves a ready SIM that has
 * now crossed the activation threshold. Returns the device as updated.
 */
export async function meter(tx: MeterTx, sim: Sim, device: Device, use: Use, now: number): Promise<Device> {
  const delta: UsageDelta = {
    hour: floorTo(use.at, HOUR),
    zone: use.zone,
    country: use.zone === 'international_roaming' ? use.country : '',
    data_upload: use.upload ?? 0,
    data_download: use.download ?? 0,
    commands_to_sim: use.toSim ?? 0,
    commands_from_sim: use.fromSim ?? 0,
  };
  await tx.usage.add(sim.sid, [delta]);
  await tx.usage.add(sim.account_sid, [delta]);
  const updated: Device = {
    ...device,
    data_bytes_total: device.data_bytes_total + delta.data_upload + delta.data_download,
    commands_total: device.commands_total + delta.commands_to_sim + delta.commands_from_sim,
    first_used_at: device.first_used_at === null ? use.at : Math.min(device.first_used_at, use.at),
    date_updated: now,
  };
  await tx.devices.put(updated);
  if (sim.status === 'ready' && reachesActivation(updated)) await activateByUse(tx, sim, now);
  return updated;
}

/** What metering writes: usage, the device, and an activation by use. */
export type MeterTx = MoveTx & Tx<'usage' | 'devices'>;

export class DeviceService {
  constructor(
    private readonly store: Repos<'sims' | 'devices' | 'commands' | 'jobs'>,
    private readonly clock: Clock,
  ) {}

  async get(simSid: string): Promise<Device> {
    const sim = await simForDevice(this.store, simSid, false);
    return deviceOf(this.store, sim.sid, this.clock.now());
  }

  /** Changes the device; when it comes online, its queued Commands are sent. */
  async update(simSid: string, input: DeviceInput): Promise<Device> {
    if (input.radio_link !== undefined && !(RADIO_LINKS as readonly string[]).includes(input.radio_link)) {
      throw invalid(`radio_link must be one of ${RADIO_LINKS.join(', ')}`);
    }
    if (input.imei !== undefined) checkImei(input.imei);
    if (input.cell_id !== undefined && input.cell_id !== null && !/^[0-9A-Za-z-]{1,32}$/.test(input.cell_id)) {
      throw invalid('cell_id must be 1 to 32 letters, digits or dashes');
    }
    return this.store.transaction(async (tx) => {
      const now = this.clock.now();
      const sim = await simForDevice(tx, simSid, true);
      const device = await deviceOf(tx, sim.sid, now);
      const updated: Device = {
        ...device,
        ...networkFrom(input, device),
        online: input.online ?? device.online,
        acknowledge_commands: input.acknowledge_commands ?? device.acknowledge_commands,
        radio_link: input.radio_link ?? device.radio_link,
        cell_id: input.cell_id === undefined ? device.cell_id : input.cell_id,
        imei: input.imei === undefined ? device.imei : input.imei,
        date_updated: now,
      };
      await tx.devices.put(updated);
      // Coming back online sends the Commands the device queued while it was offline.
      if (updated.online && !device.online) await sendQueued(tx, sim, now);
      return updated;
    });
  }
}
