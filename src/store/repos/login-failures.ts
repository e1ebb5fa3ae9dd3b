import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { LoginFailureRepo } from '../../domain/ports.js';

// The key is stored hashed: it holds a user name a client made up (of any length) and client
// addresses, neither of which the table needs to show.
const hashed = (key: string) => createHash('sha256').update(key).digest('hex');

export function loginFailureRepo(db: Kysely<Database>): LoginFailureRepo {
  return {
    async record(key, windowMs, now) {
      // One statement: concurrent failures in several processes each count once.
      const ended = sql<boolean>`login_failures.reset_at <= ${now}`;
      const row = await db
        .insertInto('login_failures')
        .values({ key: hashed(key), failures: 1, reset_at: now + windowMs })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            failures: sql`case when ${ended} then 1 else login_failures.failures + 1 end`,
            reset_at: sql`case when ${ended} then ${now + windowMs} else login_failures.reset_at end`,
          }),
        )
        .returning(['failures', 'reset_at'])
        .executeTakeFirstOrThrow();
      return { failures: Number(row.failures), resetAt: Number(row.reset_at) };
    },
    async clear(key) {
      await db.deleteFrom('login_failures').where('key', '=', hashed(key)).execute();
    },
    async pruneExpired(now, limit) {
      const expired = db.selectFrom('login_failures').select('key').where('reset_at', '<=', now).limit(limit);
      const result = await db.deleteFrom('login_failures').where('key', 'in', expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
