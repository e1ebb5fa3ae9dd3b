import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ConsoleSession, ConsoleSessionRepo, SessionKind } from '../../domain/accounts/console-sessions.js';

const fromRow = (row: Database['console_sessions']): ConsoleSession => ({
  ...row,
  kind: row.kind as SessionKind,
  date_created: Number(row.date_created),
  expires_at: Number(row.expires_at),
  last_seen_at: Number(row.last_seen_at),
});

export function consoleSessionRepo(db: Kysely<Database>): ConsoleSessionRepo {
  return {
    async insert(session) {
      await db.insertInto('console_sessions').values(session).execute();
    },
    async get(idHash) {
      const row = await db.selectFrom('console_sessions').selectAll().where('id_hash', '=', idHash).executeTakeFirst();
      return row && fromRow(row);
    },
    async update(idHash, changes) {
      await db.updateTable('console_sessions').set(changes).where('id_hash', '=', idHash).execute();
    },
    async delete(idHash) {
      await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
    },
    async deleteExpired(now, idleBefore, limit) {
      const old = db
        .selectFrom('console_sessions')
        .select('id_hash')
        .where((eb) => eb.or([eb('expires_at', '<=', now), eb('last_seen_at', '<=', idleBefore)]))
        .limit(limit);
      const result = await db.deleteFrom('console_sessions').where('id_hash', 'in', old).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
