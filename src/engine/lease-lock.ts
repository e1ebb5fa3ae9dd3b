import { sql, type Kysely } from 'kysely';
import { compiledQuery } from '../lib/compiled-query.js';
import type { JobsDatabase } from './schema.js';

// The lock that serialises leases and keyed claims across transactions, and the running jobs
// both count. SQLite has one writer already.

export type EngineDialect = 'sqlite' | 'postgres';

/** The PostgreSQL advisory lock (an arbitrary constant of the engine's). */
const LEASE_LOCK = 0x5715e;

/** Tries the lock, held until the transaction ends: false when another transaction holds it. */
async function tryLeaseLock(db: Kysely<JobsDatabase>, dialect: EngineDialect): Promise<boolean> {
  if (dialect === 'sqlite') return true;
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${LEASE_LOCK}) as locked`.execute(db);
  return rows[0]?.locked === true;
}

const tried = new WeakMap<object, Promise<boolean>>();

/**
 * The lock for the transaction `scope` stands for, tried once however many of its members (a
 * grouped transaction's, src/store/tuning) ask. Taken in a statement of its own, before what
 * it guards is read: a statement reads as of its start, so one that took the lock and read at
 * once could miss what the transaction that freed the lock had just committed.
 */
export function leaseLockOf(db: Kysely<JobsDatabase>, scope: object, dialect: EngineDialect): Promise<boolean> {
  let locked = tried.get(scope);
  if (!locked) tried.set(scope, (locked = tryLeaseLock(db, dialect)));
  return locked;
}

/** The jobs running under a live lease. */
export const runningJobs = compiledQuery((db: Kysely<JobsDatabase>, p: { realNow: number }) =>
  db
    .selectFrom('jobs')
    .select(['queue_key', 'kind', 'fair_key'])
    .where((eb) => eb.and([eb(sql.ref('state'), '=', sql.lit('running')), eb('lease_expires', '>=', p.realNow)])),
);
