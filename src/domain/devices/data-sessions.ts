import type { Repos } from '../ports.js';
import type { Clock } from '../clock.js';
import { invalid } from '../errors.js';
import type { Caller } from '../caller.js';
import type { Page, PageQuery } from '../models.js';
import type { CellLocation, DataSession } from './device-models.js';
import { DEVICE_OFFLINE, NetworkRefusal, dataAllowance, dataRefusal, fitToAllowance, zoneOf } from './plan-rules.js';
import { checkImei, deviceOf, meter, type NetworkInput, networkFrom, RADIO_LINKS, simForDevice } from './device.js';
import { meteringMonth } from './usage-periods.js';
import { newSid } from '../sids.js';
import type { SimService } from '../sims/service.js';

// Data sessions: the simulated device uses data, the network meters it against the rate plan.

export interface SessionInput extends NetworkInput {
  bytes_uploaded: number;
  bytes_downloaded: number;
  packets_uploaded?: number;
  packets_downloaded?: number;
  /** Epoch milliseconds; by default the session ends now. */
  start?: number;
  duration_seconds?: number;
  radio_link?: string;
  cell_id?: string | null;
  cell_location_estimate?: CellLocation | null;
  imei?: string | null;
}

export interface SessionOutcome {
  session: DataSession;
  requested: { bytes_uploaded: number; bytes_downloaded: number };
  /** Whether the plan's limit cut the session short (block) or slowed it (throttle). */
  truncated: boolean;
  throttled: boolean;
}

export const DEFAULT_SESSION_SECONDS = 60;
/** Packets are counted at this many bytes each when the device does not say. */
export const BYTES_PER_PACKET = 1_500;
const MAX_BYTES = 2 ** 50;

function checkInput(input: SessionInput): void {
  for (const key of ['bytes_uploaded', 'bytes_downloaded', 'packets_uploaded', 'packets_downloaded', 'duration_seconds'] as const) {
    const v = input[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0 || v > MAX_BYTES)) throw invalid(`${key} must be a whole number from 0 to 2^50`);
  }
  if (input.radio_link !== undefined && !(RADIO_LINKS as readonly string[]).includes(input.radio_link)) {
    throw invalid(`radio_link must be one of ${RADIO_LINKS.join(', ')}`);
  }
  const loc = input.cell_location_estimate;
  if (loc && !(Math.abs(loc.lat) <= 90 && Math.abs(loc.lon) <= 180)) throw invalid('cell_location_estimate needs lat (-90..90) and lon (-180..180)');
  if (input.imei !== undefined) checkImei(input.imei);
}

const packets = (given: number | undefined, bytes: number) => given ?? Math.ceil(bytes / BYTES_PER_PACKET);

export class DataSessionService {
  constructor(
    private readonly store: Repos<'sims' | 'devices' | 'ratePlans' | 'usage' | 'dataSessions' | 'events' | 'jobs' | 'callbacks'>,
    private readonly clock: Clock,
    private readonly sims: SimService,
  ) {}

  list(caller: Caller, simRef: string, range: { start?: number; end?: number }, page: PageQuery): Promise<Page<DataSession>> {
    if (range.start !== undefined && range.end !== undefined && range.start > range.end) throw invalid('Start must be on or before End');
    return this.sims.fetch(caller, simRef).then((sim) => this.store.dataSessions.list({ simSid: sim.sid, ...range }, page));
  }

  /** The device uses data. Throws NetworkRefusal when the network would not carry it. */
  async record(simSid: string, input: SessionInput): Promise<SessionOutcome> {
    checkInput(input);
    return this.store.transaction(async (tx): Promise<SessionOutcome> => {
      const now = this.clock.now();
      const sim = await simForDevice(tx, simSid, true);
      const device = await deviceOf(tx, sim.sid, now);
      const duration = input.duration_seconds ?? DEFAULT_SESSION_SECONDS;
      const start = input.start ?? now - duration * 1000;
      if (start + duration * 1000 > now) throw invalid('The session must have ended by now: start + duration_seconds must not be in the future');
      const network = networkFrom(input, device);
      const zone = zoneOf(network);
      if (!device.online) throw new NetworkRefusal(DEVICE_OFFLINE);
      const plan = sim.rate_plan_sid ? await tx.ratePlans.get(sim.rate_plan_sid) : undefined;
      const refused = dataRefusal(sim.status, plan, zone);
      if (refused || !plan) throw new NetworkRefusal(refused ?? { reason: 'no_rate_plan', errorCode: 30003, message: 'The SIM has no rate plan' });

      const month = meteringMonth(device.first_used_at ?? start, start);
      const used = (await tx.usage.sum(sim.sid, month.start, month.end, null))
        .filter((r) => r.zone === zone)
        .reduce((n, r) => n + r.data_upload + r.data_download, 0);
      const requested = input.bytes_uploaded + input.bytes_downloaded;
      const allowance = dataAllowance(plan, zone, used, requested, duration);
      if ('reason' in allowance) throw new NetworkRefusal(allowance);
      const carried = fitToAllowance(input.bytes_uploaded, input.bytes_downloaded, allowance.bytes);

      const session: DataSession = {
        sid: newSid('WN'),
        account_sid: sim.account_sid,
        sim_sid: sim.sid,
        zone,
        ...network,
        radio_link: input.radio_link ?? device.radio_link,
        cell_id: input.cell_id === undefined ? device.cell_id : input.cell_id,
        cell_location_estimate: input.cell_location_estimate ?? null,
        imei: input.imei === undefined ? device.imei : input.imei,
        bytes_uploaded: carried.upload,
        bytes_downloaded: carried.download,
        packets_uploaded: packets(input.packets_uploaded, carried.upload),
        packets_downloaded: packets(input.packets_downloaded, carried.download),
        start,
        end: start + duration * 1000,
        last_updated: now,
      };
      await tx.dataSessions.insert(session);
      await meter(tx, sim, device, { at: start, zone, country: network.operator_country, upload: carried.upload, download: carried.download }, now);
      return {
        session,
        requested: { bytes_uploaded: input.bytes_uploaded, bytes_downloaded: input.bytes_downloaded },
        truncated: carried.upload + carried.download < requested,
        throttled: allowance.throttled,
      };
    });
  }
}
