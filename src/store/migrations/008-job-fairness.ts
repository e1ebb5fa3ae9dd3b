import type { Kysely } from 'kysely';

// A job may name the party it works for (its fairness key, e.g. an account): a group of job
// kinds may then run at most so many jobs of one key at a time, so one party's slow work cannot
// take every slot (src/engine, SlotGroup). Running jobs are found through jobs_due (state first).
export function up() {
  return async (db: Kysely<unknown>): Promise<void> => {
    await db.schema.alterTable('jobs').addColumn('fair_key', 'text').execute();
  };
}
