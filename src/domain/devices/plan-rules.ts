import type { RatePlan, SimStatus } from '../models.js';
import type { Network, Zone } from './device-models.js';

// What the network allows a SIM to do under its status and rate plan. Pure: no I/O, no clock.
// Every service checks here, so a plan change takes effect on the next session or Command.

export const KB = 1024;
export const MB = 1024 * KB;
/** Once over a `throttle` plan's limit, data flows at 64 kbit/s. */
export const THROTTLED_BYTES_PER_SECOND = 8_000;
/** The home network of every SIM (the spec calls it T-Mobile USA). */
export const HOME_NETWORK: Network = { operator_mcc: '310', operator_mnc: '260', operator_country: 'USA', operator_name: 'T-Mobile USA' };
/** Mobile country codes of the United States. */
const US_MCCS = new Set(['310', '311', '312', '313', '314', '315', '316']);

export type RefusalReason =
  | 'sim_status'
  | 'sim_updating'
  | 'no_rate_plan'
  | 'data_disabled'
  | 'messaging_disabled'
  | 'national_roaming_disabled'
  | 'international_data_disabled'
  | 'international_messaging_disabled'
  | 'data_limit_reached'
  | 'device_offline';

/** Why the network refuses something; `errorCode` is the Twilio code reported for a Command. */
export interface Refusal {
  reason: RefusalReason;
  errorCode: number;
  message: string;
}

/** Twilio's "Unreachable destination handset": the SIM is not attached to the network. */
export const UNREACHABLE = 30003;
/** Twilio's "Message blocked": the rate plan does not allow messaging here. */
export const BLOCKED = 30004;

/** Twilio's "Messaging not allowed": a Command from a SIM whose status or plan does not allow it. */
export const MESSAGING_NOT_ALLOWED = 33203;

const refuse = (reason: RefusalReason, errorCode: number, message: string): Refusal => ({ reason, errorCode, message });

/** The device is off the network: nothing reaches it and it sends nothing. */
export const DEVICE_OFFLINE: Refusal = { reason: 'device_offline', errorCode: UNREACHABLE, message: 'The device is offline' };

/** The network turned down what the device tried (a data session, a Command); nothing was recorded. */
export class NetworkRefusal extends Error {
  constructor(readonly refusal: Refusal) {
    super(refusal.message);
    this.name = 'NetworkRefusal';
  }
}

export function zoneOf(network: Network): Zone {
  if (network.operator_mcc === HOME_NETWORK.operator_mcc && network.operator_mnc === HOME_NETWORK.operator_mnc) return 'home';
  return US_MCCS.has(network.operator_mcc) ? 'national_roaming' : 'international_roaming';
}

export function isUsMcc(mcc: string): boolean {
  return US_MCCS.has(mcc);
}

/** Only a SIM that is ready or active is attached to the network. */
function statusRefusal(status: SimStatus): Refusal | null {
  if (status === 'ready' || status === 'active') return null;
  if (status === 'updating' || status === 'scheduled') {
    return refuse('sim_updating', UNREACHABLE, `The SIM is ${status}: a change is being applied, and it is off the network until that finishes`);
  }
  return refuse('sim_status', UNREACHABLE, `A ${status} SIM is not attached to the network; only ready and active SIMs are`);
}

function roamingRefusal(plan: RatePlan, zone: Zone, service: 'data' | 'messaging'): Refusal | null {
  if (zone === 'national_roaming' && !plan.national_roaming_enabled) {
    return refuse('national_roaming_disabled', BLOCKED, 'The rate plan does not allow national roaming, and the device is on another US network');
  }
  if (zone === 'international_roaming' && !plan.international_roaming.includes(service)) {
    return service === 'data'
      ? refuse('international_data_disabled', BLOCKED, 'The rate plan does not allow data outside the United States')
      : refuse('international_messaging_disabled', BLOCKED, 'The rate plan does not allow Commands outside the United States');
  }
  return null;
}

/** Whether a SIM may open a data session in this zone (limits are checked by `dataAllowance`). */
export function dataRefusal(status: SimStatus, plan: RatePlan | undefined, zone: Zone): Refusal | null {
  const byStatus = statusRefusal(status);
  if (byStatus) return byStatus;
  if (!plan) return refuse('no_rate_plan', UNREACHABLE, 'The SIM has no rate plan');
  if (!plan.data_enabled) return refuse('data_disabled', BLOCKED, 'The rate plan does not allow data');
  return roamingRefusal(plan, zone, 'data');
}

/** Whether a Command may be sent to or from a SIM in this zone. */
export function commandRefusal(status: SimStatus, plan: RatePlan | undefined, zone: Zone): Refusal | null {
  const byStatus = statusRefusal(status);
  if (byStatus) return byStatus;
  if (!plan) return refuse('no_rate_plan', UNREACHABLE, 'The SIM has no rate plan');
  if (!plan.messaging_enabled) return refuse('messaging_disabled', BLOCKED, 'The rate plan does not allow Commands (messaging is disabled)');
  return roamingRefusal(plan, zone, 'messaging');
}

const NOT_ALLOWED_FROM_SIM: readonly RefusalReason[] = ['sim_status', 'sim_updating', 'no_rate_plan', 'messaging_disabled'];

/** A Command from the SIM refused for the SIM's status or its plan is reported as 33203. */
export function fromSimRefusal(refused: Refusal): Refusal {
  return NOT_ALLOWED_FROM_SIM.includes(refused.reason) ? { ...refused, errorCode: MESSAGING_NOT_ALLOWED } : refused;
}

/** The monthly data limit of a zone, in bytes. */
export function dataLimitBytes(plan: RatePlan, zone: Zone): number {
  const mb = zone === 'home' ? plan.data_limit : zone === 'national_roaming' ? plan.national_roaming_data_limit : plan.international_roaming_data_limit;
  return mb * MB;
}

export interface Allowance {
  /** The most bytes this session may carry. */
  bytes: number;
  /** Whether any of them flow at the throttled rate. */
  throttled: boolean;
}

/**
 * How much a session may carry, given what the SIM already used in this zone this metering
 * month. Under the limit, everything up to it flows. Past it, `block` carries nothing more and
 * `throttle` carries at most THROTTLED_BYTES_PER_SECOND for the session's duration.
 */
export function dataAllowance(plan: RatePlan, zone: Zone, usedBytes: number, requestedBytes: number, durationSeconds: number): Allowance | Refusal {
  const remaining = Math.max(0, dataLimitBytes(plan, zone) - usedBytes);
  if (requestedBytes <= remaining) return { bytes: requestedBytes, throttled: false };
  if (plan.data_limit_strategy === 'block') {
    if (remaining === 0) return refuse('data_limit_reached', BLOCKED, `The SIM has used its ${zone.replace('_', ' ')} data limit for this month`);
    return { bytes: remaining, throttled: false };
  }
  const slow = Math.min(requestedBytes - remaining, THROTTLED_BYTES_PER_SECOND * durationSeconds);
  return { bytes: remaining + slow, throttled: true };
}

/** Cuts a session to `allowed` bytes, sharing the cut between upload and download in proportion. */
export function fitToAllowance(upload: number, download: number, allowed: number): { upload: number; download: number } {
  const total = upload + download;
  if (total <= allowed) return { upload, download };
  const up = Number((BigInt(upload) * BigInt(allowed)) / BigInt(total));
  return { upload: up, download: Math.min(download, allowed - up) };
}

/** A ready SIM becomes active once it has used this much data... */
export const ACTIVATION_DATA_BYTES = 250 * KB;
/** ...or when this many Commands have been sent to or received from it. */
export const ACTIVATION_COMMANDS = 5;

export function reachesActivation(totals: { data_bytes_total: number; commands_total: number }): boolean {
  return totals.data_bytes_total >= ACTIVATION_DATA_BYTES || totals.commands_total >= ACTIVATION_COMMANDS;
}
