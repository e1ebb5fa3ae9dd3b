import type { Repos } from './ports.js';
import type { Caller } from './caller.js';
import { ownsOrManages } from './caller.js';
import { DomainError, invalid, notFound } from './errors.js';
import type { MonitorEvent, Page, PageQuery } from './models.js';
import { isSid } from './sids.js';

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
  constructor(private readonly store: Repos<'events' | 'accounts'>) {}

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
