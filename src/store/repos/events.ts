import type { Insertable, Kysely, Selectable } from 'kysely';
import type { EventActorType, MonitorEvent } from '../../domain/models.js';
import type { Database, EventsTable } from '../schema.js';
import type { EventRepo } from '../../domain/ports.js';
import { toPage } from './paging.js';
import { compiledQuery } from '../../lib/compiled-query.js';

const fromRow = ({ seq: _seq, ...row }: Selectable<EventsTable>): MonitorEvent => ({
  ...row,
  actor_type: row.actor_type as EventActorType | null,
  event_data: row.event_data === null ? null : (JSON.parse(row.event_data) as Record<string, unknown>),
});

// Every change of a Sim records one; compiled once (src/lib/compiled-query.ts).
const insertEvent = compiledQuery((db: Kysely<Database>, p: Insertable<EventsTable>) =>
  db.insertInto('events').values({
    sid: p.sid,
    account_sid: p.account_sid,
    actor_sid: p.actor_sid,
    actor_type: p.actor_type,
    actor_account_sid: p.actor_account_sid,
    description: p.description,
    event_data: p.event_data,
    event_date: p.event_date,
    event_type: p.event_type,
    resource_sid: p.resource_sid,
    resource_type: p.resource_type,
    source: p.source,
    source_ip_address: p.source_ip_address,
  }),
);

export function eventRepo(db: Kysely<Database>): EventRepo {
  return {
    async insert(event) {
      await insertEvent.run(db, { ...event, event_data: event.event_data === null ? null : JSON.stringify(event.event_data) });
    },
    async get(sid) {
      const row = await db.selectFrom('events').selectAll().where('sid', '=', sid).executeTakeFirst();
      return row && fromRow(row);
    },
    async list(filter, page) {
      let q = db.selectFrom('events').selectAll().where('account_sid', '=', filter.accountSid);
      if (filter.actorSid !== undefined) q = q.where('actor_sid', '=', filter.actorSid);
      if (filter.eventType !== undefined) q = q.where('event_type', '=', filter.eventType);
      if (filter.resourceSid !== undefined) q = q.where('resource_sid', '=', filter.resourceSid);
      if (filter.sourceIpAddress !== undefined) q = q.where('source_ip_address', '=', filter.sourceIpAddress);
      if (filter.startDate !== undefined) q = q.where('event_date', '>=', filter.startDate);
      if (filter.endDate !== undefined) q = q.where('event_date', '<=', filter.endDate);

      // Keyset over (event_date, seq), newest first. The page token carries only a seq; the
      // event it names gives the date to continue from.
      const backward = page.beforeSeq !== undefined;
      const cursorSeq = page.beforeSeq ?? page.afterSeq;
      if (cursorSeq !== undefined) {
        const cursor = await db.selectFrom('events').select(['event_date', 'seq']).where('seq', '=', cursorSeq).executeTakeFirst();
        if (!cursor) return { items: [], hasMore: false };
        const beyond = backward ? '>' : '<';
        q = q.where((eb) =>
          eb.or([
            eb('event_date', beyond, cursor.event_date),
            eb.and([eb('event_date', '=', cursor.event_date), eb('seq', beyond, cursor.seq)]),
          ]),
        );
      }
      const direction = backward ? 'asc' : 'desc';
      const rows = await q.orderBy('event_date', direction).orderBy('seq', direction).limit(page.limit + 1).execute();
      const hasMore = rows.length > page.limit;
      if (hasMore) rows.pop();
      if (backward) rows.reverse();
      return toPage({ rows, hasMore }, fromRow);
    },
  };
}
