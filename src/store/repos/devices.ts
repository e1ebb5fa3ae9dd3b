import type { Kysely, Selectable } from 'kysely';
import type { Device } from '../../domain/devices/device-models.js';
import type { Database } from '../schema.js';
import type { DevicesTable } from '../schema-devices.js';
import type { DeviceRepo } from '../../domain/devices/device-ports.js';

const fromRow = (row: Selectable<DevicesTable>): Device => ({
  ...row,
  online: row.online === 1,
  acknowledge_commands: row.acknowledge_commands === 1,
});

export function deviceRepo(db: Kysely<Database>): DeviceRepo {
  return {
    async get(simSid) {
      const row = await db.selectFrom('devices').selectAll().where('sim_sid', '=', simSid).executeTakeFirst();
      return row && fromRow(row);
    },
    async put(device) {
      const row = { ...device, online: Number(device.online), acknowledge_commands: Number(device.acknowledge_commands) };
      const { sim_sid: _key, ...changes } = row;
      await db
        .insertInto('devices')
        .values(row)
        .onConflict((oc) => oc.column('sim_sid').doUpdateSet(changes))
        .execute();
    },
  };
}
