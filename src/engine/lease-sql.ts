import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import { compiledQuery, type CompiledStatement } from '../lib/compiled-query.js';
import type { LeaseRequest, LeaseSlots } from './ports.js';
import { claimedTallies, noteLeased } from './key-limits.js';
import { leaseLockOf, runningJobs, type EngineDialect } from './lease-lock.js';
import type { JobsDatabase } from './schema.js';

// Leasing: which due jobs a worker takes next. In due order, at most one job per serial queue
// (and none of a queue that has one running), each slot group (LeaseSlots) from its own kinds,
// with at most `perKeyLimit` running jobs per fairness key across every worker.
//
// Every read is an ordered range of an index, whatever else waits in the table: one window of
// due jobs per kind (index jobs_pending_kind), the running jobs (jobs_running) and the expired
// leases among them. A group's kinds were once filtered out of the due jobs of every kind, so a
// backlog of operator work made each callback lease read all of it (docs/performance.md). A
// fairness key at its limit is left out of its group's windows, so that its backlog cannot hide
// another key's jobs; its rows are still read past in the index.

export type { EngineDialect };
type Candidate = { id: number; kind: string; queue_key: string | null; fair_key: string | null; run_at: number; part: number };
type Jobs = ExpressionBuilder<JobsDatabase, 'jobs'>;

/** Pending jobs created since `since` to run at once (a retry's run_at is past its date_created). */
export const caused = (eb: Jobs, since: number) =>
  eb.and([eb('state', '=', 'pending'), eb('date_created', '>=', since), eb('run_at', '<=', eb.ref('date_created'))]);

// The states are written into the SQL, not bound, so that the planner can prove the partial
// indexes (store migration 010) fit.
const isPending = (eb: Jobs) => eb(sql.ref('state'), '=', sql.lit('pending'));
const isRunning = (eb: Jobs) => eb(sql.ref('state'), '=', sql.lit('running'));
type Running = Awaited<ReturnType<typeof runningJobs.all>>[number];

const COLUMNS = ['id', 'kind', 'queue_key', 'fair_key', 'run_at'] as const;

/** The parameters of one lease's candidate query: times, a window size per part, excluded keys. */
type CandidateParams = Record<string, number | string>;

/**
 * One part of the candidate query: due (or caused) jobs of one kind, none of the `excluded`
 * fairness keys (those at their limit), or the expired leases of every kind. Each part reads an
 * index in order and stops at its window.
 */
type Part = { sort: 'due' | 'caused'; kind: string; excluded: number } | { sort: 'expired' };

function partQuery(db: Kysely<JobsDatabase>, part: Part, i: number, p: CandidateParams): SelectQueryBuilder<JobsDatabase, 'jobs', Candidate> {
  // Each row says which part found it, so that a full window can be told from a short one.
  const time = (name: string) => p[name] as number;
  const want = time(`want${i}`);
  const q = db.selectFrom('jobs').select(COLUMNS).select(sql.lit(i).as('part'));
  if (part.sort === 'expired') return q.where((eb) => eb.and([isRunning(eb), eb('lease_expires', '<', time('realNow'))])).orderBy('lease_expires').limit(want);
  const keys = Array.from({ length: part.excluded }, (_, k) => p[`key${i}_${k}`] as string);
  return q
    .where('kind', '=', part.kind)
    .where((eb) => (part.sort === 'due' ? eb.and([isPending(eb), eb('run_at', '<=', time('dueBy'))]) : eb.and([isPending(eb), caused(eb, time('since'))])))
    .where((eb) => (keys.length === 0 ? eb.lit(true) : eb.or([eb('fair_key', 'is', null), eb('fair_key', 'not in', keys)])))
    .orderBy('run_at')
    .orderBy('id')
    .limit(want);
}

/** One statement for all parts (a UNION ALL of ordered windows), compiled once per shape. */
const candidateStatements = new Map<string, CompiledStatement<JobsDatabase, CandidateParams, Candidate>>();
function candidateStatement(parts: Part[]): CompiledStatement<JobsDatabase, CandidateParams, Candidate> {
  const shape = JSON.stringify(parts);
  let statement = candidateStatements.get(shape);
  if (!statement) {
    // Shapes differ by the slot groups with free slots and the count of keys at their limit: few.
    if (candidateStatements.size >= 256) candidateStatements.clear();
    statement = compiledQuery((db: Kysely<JobsDatabase>, p: CandidateParams) => {
      // Each window is a subquery of its own: a compound SELECT's members cannot be ordered or limited.
      const [first, ...rest] = parts.map((part, i) => db.selectFrom(partQuery(db, part, i, p).as(`part${i}`)).selectAll());
      return rest.reduce((union, next) => union.unionAll(next), first);
    });
    candidateStatements.set(shape, statement);
  }
  return statement;
}

/** Widening windows of candidates tried at most (4, 32, 256 × the free slots). */
const MAX_LEASE_ROUNDS = 3;

/**
 * The jobs running under a live lease, or null when another transaction holds the lease lock.
 * The lock is taken in a statement of its own: a statement reads as of its start, so one that
 * took the lock and read the running jobs at once could miss the jobs of the lease whose commit
 * freed the lock.
 */
async function startLease(db: Kysely<JobsDatabase>, scope: object, dialect: EngineDialect, realNow: number): Promise<Running[] | null> {
  if (!(await leaseLockOf(db, scope, dialect))) return null;
  return runningJobs.all(db, { realNow });
}

/** A slot group being filled: what it may take, and what it has taken in this lease. */
interface Filling {
  slots: LeaseSlots;
  taken: number;
  /** Running jobs per fairness key among the group's kinds, when it has a per-key limit. */
  perKey: Map<string, number> | null;
}

const takes = (f: Filling, kind: string) => f.slots.kinds.includes(kind);

function filling(scope: object, slots: LeaseSlots, running: Running[]): Filling {
  if (slots.perKeyLimit === undefined) return { slots, taken: 0, perKey: null };
  const perKey = new Map<string, number>();
  for (const job of running) if (job.fair_key !== null && slots.kinds.includes(job.kind)) perKey.set(job.fair_key, (perKey.get(job.fair_key) ?? 0) + 1);
  // Claims by transactions grouped with this lease may not have landed yet (key-limits.ts).
  for (const [key, n] of claimedTallies(scope, slots.kinds)) perKey.set(key, Math.max(n, perKey.get(key) ?? 0));
  return { slots, taken: 0, perKey };
}

/** The fairness keys a group may start no more jobs of. */
const atLimit = (f: Filling) => (f.perKey ? [...f.perKey].filter(([, n]) => n >= (f.slots.perKeyLimit as number)).map(([key]) => key) : []);

/** The candidate query's parts for the groups still hungry, and the values it binds. */
function partsFor(hungry: Filling[], scale: number, r: LeaseRequest): { parts: Part[]; params: CandidateParams } {
  const parts: Part[] = [];
  const params: CandidateParams = { dueBy: r.dueBy, realNow: r.realNow, since: r.causedSince ?? 0 };
  const sorts = r.causedSince === undefined ? (['due'] as const) : (['due', 'caused'] as const);
  for (const f of hungry) {
    const excluded = atLimit(f);
    for (const kind of f.slots.kinds) {
      for (const sort of sorts) {
        const i = parts.push({ sort, kind, excluded: excluded.length }) - 1;
        params[`want${i}`] = f.slots.limit * scale;
        excluded.forEach((key, k) => (params[`key${i}_${k}`] = key));
      }
    }
  }
  const i = parts.push({ sort: 'expired' }) - 1;
  params[`want${i}`] = hungry.reduce((sum, f) => sum + f.slots.limit, 0) * scale;
  return { parts, params };
}

/**
 * The ids to lease, in due order, or null when another transaction holds the lease lock. Call
 * inside a transaction, with the update that leases them.
 */
export async function chooseJobs(db: Kysely<JobsDatabase>, scope: object, dialect: EngineDialect, r: LeaseRequest): Promise<number[] | null> {
  // One lease at a time across processes: the busy queues and per-key counts below see only
  // committed leases, so two at once could each start a job of the same queue. A process that
  // finds the lock taken does not wait (waiting inside a grouped transaction could deadlock with
  // the other group's row locks): it says so, and its worker tries again shortly.
  const running = await startLease(db, scope, dialect, r.realNow);
  if (running === null) return null;
  const busy = new Set(running.flatMap((job) => (job.queue_key === null ? [] : [job.queue_key])));
  const groups = r.slots.filter((slots) => slots.limit > 0).map((slots) => filling(scope, slots, running));
  const chosen = new Set<number>();
  // Windows widen so that a backlog of busy queues does not hide another queue's due job.
  for (let scale = 4, round = 0; round < MAX_LEASE_ROUNDS; scale *= 8, round++) {
    const hungry = groups.filter((f) => f.taken < f.slots.limit);
    if (hungry.length === 0) break;
    const { parts, params } = partsFor(hungry, scale, r);
    const rows = (await candidateStatement(parts).all(db, params)).sort((a, b) => Number(a.run_at) - Number(b.run_at) || a.id - b.id);
    // A queue whose next job cannot start now holds its later jobs back too: a queue runs in order.
    const held = new Set<string>();
    for (const row of rows) {
      if (chosen.has(row.id)) continue;
      if (row.queue_key !== null && (busy.has(row.queue_key) || held.has(row.queue_key))) continue;
      const group = hungry.find((f) => takes(f, row.kind));
      const key = row.fair_key;
      const limited = group?.perKey && key !== null && (group.perKey.get(key) ?? 0) >= (group.slots.perKeyLimit as number);
      if (!group || group.taken >= group.slots.limit || limited) {
        if (row.queue_key !== null) held.add(row.queue_key);
        continue;
      }
      if (group.perKey && key !== null) {
        group.perKey.set(key, (group.perKey.get(key) ?? 0) + 1);
        noteLeased(scope, group.slots.kinds, key);
      }
      if (row.queue_key !== null) busy.add(row.queue_key);
      group.taken += 1;
      chosen.add(row.id);
    }
    // Only a window that came back full can hide more; otherwise a wider one finds nothing new.
    if (!parts.some((_, i) => rows.filter((row) => Number(row.part) === i).length >= Number(params[`want${i}`]))) break;
  }
  return [...chosen];
}
