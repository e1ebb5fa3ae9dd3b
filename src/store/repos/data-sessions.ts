import type { Kysely, Selectable } from 'kysely';
import type { DataSession, Zone } from '../../domain/devices/device-models.js';
import type { Database } from '../schema.js';
import type { DataSessionsTable } from '../schema-devices.js';
import type { DataSessionRepo } from '../../domain/devices/device-ports.js';
import { keysetPage, toPage } from './paging.js';

const fromRow = ({ seq: _seq, cell_lat, cell_lon, start_time, end_time, ...row }: Selectable<DataSessionsTable>): DataSession => ({
  ...row,
  zone: row.zone as Zone,
  cell_location_estimate: cell_lat === null || cell_lon === null ? null : { lat: cell_lat, lon: cell_lon },
  start: start_time,
  end: end_time,
});

const toRow = ({ cell_location_estimate, start, end, ...session }: DataSession) => ({
  ...session,
  cell_lat: cell_location_estimate?.lat ?? null,
  cell_lon: cell_location_estimate?.lon ?? null,
  start_time: start,
  end_time: end,
});

export function dataSessionRepo(db: Kysely<Database>): DataSessionRepo {
  return {
    async insert(session) {
      await db.insertInto('data_sessions').values(toRow(session)).execute();
    },
    async insertMany(sessions) {
      // Chunked so one statement stays under the databases' bound-parameter limits.
      for (let i = 0; i < sessions.length; i += 500) {
        await db.insertInto('data_sessions').values(sessions.slice(i, i + 500).map(toRow)).execute();
      }
    },
    async list(filter, page) {
      let q = db.selectFrom('data_sessions').selectAll().where('sim_sid', '=', filter.simSid);
      if (filter.end !== undefined) q = q.where('start_time', '<=', filter.end);
      if (filter.start !== undefined) q = q.where('end_time', '>=', filter.start);
      return toPage(await keysetPage(q, 'seq', page), fromRow);
    },
  };
}
