import type { Kysely } from 'kysely';
import { leaseLockOf, runningJobs, type EngineDialect } from './lease-lock.js';
import type { KeyLimit } from './ports.js';
import type { JobsDatabase } from './schema.js';

// Per-key limits for jobs claimed by the transaction that causes them. Transactions apart are
// kept apart by the lease lock, which each takes first. Transactions run side by side in one
// grouped database transaction (src/store/tuning) share one handle and its lock; their
// statements interleave, so a count read by one may be stale by the time its write lands. So
// each grouped transaction keeps its own tally per key: read once from the database, then
// counted up in memory as its members claim (a check and an increment with no await between
// them), and by a lease among its members as it chooses (noteLeased). The tally may count a job
// twice, never miss one: a claim can be refused that would have fit, never allowed one too many.

interface Tally {
  n: number;
}

/** Tallies are kept per slot group (its kinds) and fairness key. */
const tallyKey = (kinds: readonly string[], fairKey: string) => `${kinds.join(',')}\n${fairKey}`;

interface TransactionKeys {
  tallies: Map<string, Promise<Tally>>;
  /** Keyed jobs a lease in this transaction has chosen: added to a tally read later. */
  leased: Map<string, number>;
  /** Tallies read so far, for a lease to see synchronously. */
  known: Map<string, Tally>;
}

const byTransaction = new WeakMap<object, TransactionKeys>();

function keysOf(scope: object): TransactionKeys {
  let keys = byTransaction.get(scope);
  if (!keys) byTransaction.set(scope, (keys = { tallies: new Map(), leased: new Map(), known: new Map() }));
  return keys;
}

/**
 * Takes one place for `fairKey` under `limit` in the tally of the transaction `scope` stands
 * for: true when it had room, false when not, 'contended' when another transaction holds the
 * lease lock.
 */
export async function claimPlace(db: Kysely<JobsDatabase>, scope: object, dialect: EngineDialect, limit: KeyLimit, fairKey: string): Promise<boolean | 'contended'> {
  if (!(await leaseLockOf(db, scope, dialect))) return 'contended';
  const keys = keysOf(scope);
  const at = tallyKey(limit.kinds, fairKey);
  let tally = keys.tallies.get(at);
  if (!tally) {
    tally = runningOf(db, limit, fairKey).then((n) => {
      const read = { n: n + (keys.leased.get(at) ?? 0) };
      keys.known.set(at, read);
      return read;
    });
    keys.tallies.set(at, tally);
  }
  const read = await tally;
  if (read.n >= limit.limit) return false;
  read.n += 1;
  return true;
}

/** Running jobs of `fairKey` among the limit's kinds, every worker's. */
async function runningOf(db: Kysely<JobsDatabase>, limit: KeyLimit, fairKey: string): Promise<number> {
  let n = 0;
  for (const job of await runningJobs.all(db, { realNow: limit.realNow })) if (job.fair_key === fairKey && limit.kinds.includes(job.kind)) n += 1;
  return n;
}

/** What this transaction's claims have counted so far for each fairness key of a slot group. */
export function claimedTallies(scope: object, kinds: readonly string[]): [string, number][] {
  const known = byTransaction.get(scope)?.known;
  if (!known) return [];
  const prefix = tallyKey(kinds, '');
  return [...known].filter(([at]) => at.startsWith(prefix)).map(([at, tally]) => [at.slice(prefix.length), tally.n]);
}

/** A lease in this transaction has chosen a job of `fairKey` in a slot group: counted in its tally, now or when read. */
export function noteLeased(scope: object, kinds: readonly string[], fairKey: string): void {
  const keys = keysOf(scope);
  const at = tallyKey(kinds, fairKey);
  keys.leased.set(at, (keys.leased.get(at) ?? 0) + 1);
  const known = keys.known.get(at);
  if (known) known.n += 1;
}
