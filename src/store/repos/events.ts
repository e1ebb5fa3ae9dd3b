import type { Kysely, Selectable } from 'kysely';
import type { EventActorType, MonitorEvent } from '../../domain/models.js';
import type { Database, EventsTable } from '../schema.js';
import type { EventRepo } from '../store.js';
import { toPage } from './paging.js';

const fromRow = ({ seq: _seq, ...row }: Selectable<EventsTable>): MonitorEvent => ({
  ...row,
  actor_type: row.actor_type as EventActorType | null,
  event_data: row.event_data === null ? null : (JSON.parse(row.event_data) as Record<string, unknown>),
});

export function eventRepo(db: Kysely<Database>): EventRepo {
  return {
    async insert(event) {
      await db
        .insertInto('events')
        .values({ ...event, event_data: event.event_data === null ? null : JSON.stringify(event.event_data) })
        .execute();
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
