import type { MonitorEvent, Sim, SimFee, SimStatus } from '../models.js';
import type { Tx } from '../ports.js';
import type { EventActor } from '../events.js';
import { newSid } from '../sids.js';

// The Sim's Monitor events: recorded inside the transaction of the change they describe.

/** `api` for a customer's request, `system` for Wisp's own automatic moves. */
export type EventSource = 'api' | 'system';

/** The Sim properties whose changes are recorded. */
export interface SimEventProperties {
  status?: SimStatus;
  rate_plan_sid?: string | null;
}

export interface SimUpdatedArgs {
  /** The Sim as it is after the change. */
  sim: Sim;
  /** The value before the change of each property that may have changed. */
  previous: SimEventProperties;
  /** The value after the change, where it is not the Sim's current one; defaults to `sim`'s. */
  updated?: SimEventProperties;
  actor: EventActor;
  source: EventSource;
  /** The client's address for `api` changes; ignored (null) for `system` ones. */
  sourceIpAddress: string | null;
  /** Epoch milliseconds of the change, from the Clock. */
  now: number;
}

export const SIM_UPDATED = 'wireless-sim.updated';
const WIRE_SOURCE: Record<EventSource, string> = { api: 'api', system: 'twilio' };

/**
 * Records a `wireless-sim.updated` event for a change of a Sim's `status` and/or `rate_plan_sid`.
 * Call it with the transaction store (`tx`) of the change itself, so the event commits with it:
 *
 *   await recordSimUpdated(tx, {
 *     sim: after, previous: { status: before.status }, actor: actorOf(caller),
 *     source: 'api', sourceIpAddress: ip, now: clock.now(),
 *   });
 *
 * Each property named in `previous` whose value really changed lands in
 * `event_data.resource_properties` as `{ previous, updated }`. When nothing changed, nothing is
 * written and the result is null; otherwise the recorded event is returned.
 */
export async function recordSimUpdated(tx: Tx<'events'>, args: SimUpdatedArgs): Promise<MonitorEvent | null> {
  const properties: Record<string, { previous: unknown; updated: unknown }> = {};
  for (const key of ['status', 'rate_plan_sid'] as const) {
    if (!(key in args.previous)) continue;
    const previous = args.previous[key] ?? null;
    const updated = (args.updated && key in args.updated ? args.updated[key] : args.sim[key]) ?? null;
    if (previous !== updated) properties[key] = { previous, updated };
  }
  if (Object.keys(properties).length === 0) return null;
  const event: MonitorEvent = {
    sid: newSid('AE'),
    account_sid: args.sim.account_sid,
    actor_sid: args.actor.sid,
    actor_type: args.actor.type,
    actor_account_sid: args.actor.type === 'api-key' ? args.actor.accountSid : null,
    description: 'Sim updated',
    event_data: { resource_properties: properties },
    event_date: args.now,
    event_type: SIM_UPDATED,
    resource_sid: args.sim.sid,
    resource_type: 'sim',
    source: WIRE_SOURCE[args.source],
    source_ip_address: args.source === 'api' ? args.sourceIpAddress : null,
  };
  await tx.events.insert(event);
  return event;
}


export const SUSPENDED_FEE_EVENT = 'wireless-sim.suspended-fee';

/** Records the Monitor event of a suspended SIM's monthly fee. */
export async function recordSuspendedFee(tx: Tx<'events'>, sim: Sim, fee: SimFee, at: number): Promise<void> {
  await tx.events.insert({
    sid: newSid('AE'),
    account_sid: sim.account_sid,
    actor_sid: null,
    actor_type: 'system',
    actor_account_sid: null,
    description: 'Suspended SIM fee recorded',
    event_data: {
      resource_properties: {},
      fee: { kind: fee.kind, period_start: new Date(fee.period_start).toISOString(), period_end: new Date(fee.period_end).toISOString() },
    },
    event_date: at,
    event_type: SUSPENDED_FEE_EVENT,
    resource_sid: sim.sid,
    resource_type: 'sim',
    source: 'twilio',
    source_ip_address: null,
  });
}
