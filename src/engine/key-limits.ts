import type { Kysely } from 'kysely';
import { compiledQuery } from '../lib/compiled-query.js';
import type { KeyLimit } from './ports.js';
import type { JobsDatabase } from './schema.js';
import { runningJobs, tryLeaseLock } from './lease-sql.js';

// Per-key limits outside the lease's own choice. Transactions grouped into one database
// transaction (src/store/tuning) run their statements side by side, so counts and writes of
// two of them could interleave: claims of one key are therefore made one at a time in this
// process (withKeyLock), and a lease counts again after its update (keepWithin), for a claim
// that landed between its count and its update. Transactions apart are kept apart by the lease
// lock, which each takes first; only the members of the one transaction that holds it can meet
// in withKeyLock, so it never waits on another transaction.

export { tryLeaseLock };

const keyLocks = new Map<string, Promise<void>>();

/** Runs `work` when no other work of `key` in this process is running. */
export async function withKeyLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const before = keyLocks.get(key) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  const chained = before.then(() => mine);
  keyLocks.set(key, chained);
  await before;
  try {
    return await work();
  } finally {
    done();
    if (keyLocks.get(key) === chained) keyLocks.delete(key);
  }
}

/** A job just leased that counts against its key's limit. */
export interface Assigned {
  id: number;
  kind: string;
  fairKey: string;
}

const putBack = compiledQuery((db: Kysely<JobsDatabase>, p: { id: number; owner: string }) =>
  db
    .updateTable('jobs')
    .set((eb) => ({ state: 'pending', lease_owner: null, lease_expires: null, attempts: eb('attempts', '-', 1) }))
    .where('id', '=', p.id)
    .where('lease_owner', '=', p.owner),
);

/** Running jobs per fairness key among the limit's kinds, every worker's. */
async function runningPerKey(db: Kysely<JobsDatabase>, limit: KeyLimit): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const job of await runningJobs.all(db, { realNow: limit.realNow })) {
    if (job.fair_key !== null && limit.kinds.includes(job.kind)) counts.set(job.fair_key, (counts.get(job.fair_key) ?? 0) + 1);
  }
  return counts;
}

/** How many more jobs of `fairKey` may start now. */
export async function roomOf(db: Kysely<JobsDatabase>, limit: KeyLimit, fairKey: string): Promise<number> {
  return Math.max(0, limit.limit - ((await runningPerKey(db, limit)).get(fairKey) ?? 0));
}

/**
 * Counts the running jobs of the assigned jobs' keys and puts back to pending as many of the
 * assigned as a key is over its limit, the last first. Returns the ids put back.
 */
export async function keepWithin(db: Kysely<JobsDatabase>, limit: KeyLimit, owner: string, assigned: readonly Assigned[]): Promise<number[]> {
  const mine = assigned.filter((job) => limit.kinds.includes(job.kind));
  if (mine.length === 0) return [];
  const counts = await runningPerKey(db, limit);
  const putBackIds: number[] = [];
  for (const job of [...mine].reverse()) {
    const count = counts.get(job.fairKey) ?? 0;
    if (count <= limit.limit) continue;
    await putBack.run(db, { id: job.id, owner });
    counts.set(job.fairKey, count - 1);
    putBackIds.push(job.id);
  }
  return putBackIds;
}

