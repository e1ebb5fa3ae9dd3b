import type { Store } from '../store/store.js';
import type { Caller } from './caller.js';
import { ownsOrManages } from './caller.js';
import { DomainError, invalid, notFound } from './errors.js';
import type { MonitorEvent, Page, PageQuery, Sim, SimStatus } from './models.js';
import { isSid, newSid } from './sids.js';

// Monitor events: the account's audit log. Changes are recorded here, inside the transaction
// that makes them, and read back through GET /v1/Events.

/** Who caused a change: the account or API key behind a request, or Wisp itself. */
export type EventActor =
  | { type: 'account'; sid: string }
  | { type: 'api-key'; sid: string; /** The key's own account. */ accountSid: string }
  | { type: 'system'; sid: null };

/** The actor of automatic changes (timers, the operator finishing an update). */
export const SYSTEM_ACTOR: EventActor = { type: 'system', sid: null };

/** The actor of a request: its API key when one was used, else the account whose secret proved it. */
export function actorOf(caller: Caller): EventActor {
  if (caller.keySid) return { type: 'api-key', sid: caller.keySid, accountSid: caller.account.sid };
  return { type: 'account', sid: caller.credentialAccount.sid };
}

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
export async function recordSimUpdated(tx: Store, args: SimUpdatedArgs): Promise<MonitorEvent | null> {
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

export interface EventListFilter {
  actorSid?: string;
  eventType?: string;
  resourceSid?: string;
  sourceIpAddress?: string;
  /** Inclusive bounds, epoch milliseconds. */
  startDate?: number;
  endDate?: number;
}

export class EventService {
  constructor(private readonly store: Store) {}

  async fetch(caller: Caller, sid: string): Promise<MonitorEvent> {
    const event = isSid(sid, 'AE') ? await this.store.events.get(sid) : undefined;
    if (!event || !(await ownsOrManages(caller, event.account_sid, (s) => this.store.accounts.get(s)))) {
      throw notFound(`Event ${sid} was not found`);
    }
    return event;
  }

  /** The caller's own account's events, newest first. */
  list(caller: Caller, filter: EventListFilter, page: PageQuery): Promise<Page<MonitorEvent>> {
    // Twilio's audit log answers one of these filters at a time (with or without dates).
    const narrowing = [filter.actorSid, filter.eventType, filter.resourceSid, filter.sourceIpAddress].filter((f) => f !== undefined);
    if (narrowing.length > 1) {
      throw new DomainError(
        'unsupported_filter_combination',
        'Invalid combination of AuditEvent filters, no combinations of ResourceSid, SourceIpAddress, ActorSid, and EventType are supported.',
      );
    }
    if (filter.startDate !== undefined && filter.endDate !== undefined && filter.startDate > filter.endDate) {
      throw invalid('StartDate must not be after EndDate');
    }
    return this.store.events.list({ accountSid: caller.account.sid, ...filter }, page);
  }
}
