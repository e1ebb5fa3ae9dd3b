import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { InventoryRepo } from '../../domain/ports.js';

export function inventoryRepo(db: Kysely<Database>): InventoryRepo {
  return {
    async insertMissing(rows) {
      const added = new Set<string>();
      // Chunked so one statement stays under SQLite's bound-parameter limit.
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        const inserted = await db
          .insertInto('sim_inventory')
          .values(chunk)
          .onConflict((oc) => oc.column('iccid').doNothing())
          .returning('iccid')
          .execute();
        for (const row of inserted) added.add(row.iccid);
      }
      return added;
    },
    async get(iccid) {
      return db.selectFrom('sim_inventory').selectAll().where('iccid', '=', iccid).executeTakeFirst();
    },
    async setSim(iccid, simSid) {
      await db.updateTable('sim_inventory').set({ sim_sid: simSid }).where('iccid', '=', iccid).execute();
    },
    async listUnregistered(afterIccid, limit) {
      // Through the partial index sim_inventory_unregistered (migration 011).
      let q = db.selectFrom('sim_inventory').selectAll().where('sim_sid', 'is', null);
      if (afterIccid !== undefined) q = q.where('iccid', '>', afterIccid);
      return q.orderBy('iccid').limit(limit).execute();
    },
  };
}
