import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import { compiledQuery } from '../lib/compiled-query.js';
import type { LeaseRequest } from './ports.js';
import type { JobsDatabase } from './schema.js';

// Leasing: which due jobs a worker takes next. In due order, at most one job per serial queue
// (and none of a queue that has one running), and, for a slot group (LeaseRequest.kinds), only
// its kinds, with at most `perKeyLimit` running jobs per fairness key across every worker.

export type EngineDialect = 'sqlite' | 'postgres';
type Candidate = { id: number; queue_key: string | null; fair_key: string | null; run_at: number };
type Where = (eb: ExpressionBuilder<JobsDatabase, 'jobs'>) => ReturnType<ExpressionBuilder<JobsDatabase, 'jobs'>['and']>;

/** Pending jobs created since `since` to run at once (a retry's run_at is past its date_created). */
export const caused = (eb: ExpressionBuilder<JobsDatabase, 'jobs'>, since: number) =>
  eb.and([eb('state', '=', 'pending'), eb('date_created', '>=', since), eb('run_at', '<=', eb.ref('date_created'))]);

const COLUMNS = ['id', 'queue_key', 'fair_key', 'run_at'] as const;
const ordered = (q: SelectQueryBuilder<JobsDatabase, 'jobs', Candidate>, limit: number, lock: boolean) => {
  const limited = q.orderBy('run_at').orderBy('id').limit(limit);
  return lock ? limited.forUpdate().skipLocked() : limited;
};

/** The unselective lease's candidate queries, compiled once (src/lib/compiled-query.ts). */
type CandidateParams = { at: number; limit: number };
const compiled = (where: (eb: ExpressionBuilder<JobsDatabase, 'jobs'>, p: CandidateParams) => ReturnType<typeof caused>, lock: boolean) =>
  compiledQuery((db: Kysely<JobsDatabase>, p: CandidateParams) => ordered(db.selectFrom('jobs').select(COLUMNS).where((eb) => where(eb, p)), p.limit, lock));
const compiledKinds = (lock: boolean) => ({
  due: compiled((eb, p) => eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', p.at)]), lock),
  caused: compiled((eb, p) => caused(eb, p.at), lock),
  expired: compiled((eb, p) => eb.and([eb('state', '=', 'running'), eb('lease_expires', '<', p.at)]), lock),
});
const COMPILED = { sqlite: compiledKinds(false), postgres: compiledKinds(true) };

/** The PostgreSQL advisory lock that serialises leases (an arbitrary constant of the engine's). */
const LEASE_LOCK = 0x5715e;
/** Widening windows of candidates tried at most (4, 32, 256 × the limit). */
const MAX_LEASE_ROUNDS = 3;

/** Candidates: up to `want` of each sort (due, caused, expired), each in due order. */
async function candidates(db: Kysely<JobsDatabase>, dialect: EngineDialect, r: LeaseRequest, want: number, excludedKeys: string[]): Promise<Candidate[][]> {
  const lock = dialect === 'postgres';
  if (r.kinds === undefined) {
    const find = COMPILED[dialect];
    return [
      await find.due.all(db, { at: r.dueBy, limit: want }),
      r.causedSince === undefined ? [] : await find.caused.all(db, { at: r.causedSince, limit: want }),
      await find.expired.all(db, { at: r.realNow, limit: want }),
    ];
  }
  const kinds = r.kinds;
  // A slot group's own kinds only, and none of a key already at its limit.
  const select = (where: Where) =>
    ordered(
      db
        .selectFrom('jobs')
        .select(COLUMNS)
        .where(where)
        .where('kind', 'in', kinds)
        .where((eb) => (excludedKeys.length === 0 ? eb.lit(true) : eb.or([eb('fair_key', 'is', null), eb('fair_key', 'not in', excludedKeys)]))),
      want,
      lock,
    ).execute();
  const since = r.causedSince;
  return [
    await select((eb) => eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', r.dueBy)])),
    since === undefined ? [] : await select((eb) => caused(eb, since)),
    await select((eb) => eb.and([eb('state', '=', 'running'), eb('lease_expires', '<', r.realNow)])),
  ];
}

/** Those of `queues` that have a job running under a live lease. */
async function runningQueues(db: Kysely<JobsDatabase>, queues: string[], realNow: number): Promise<string[]> {
  if (queues.length === 0) return [];
  const running = await db
    .selectFrom('jobs')
    .select('queue_key')
    .where('state', '=', 'running')
    .where('lease_expires', '>=', realNow)
    .where('queue_key', 'in', queues)
    .execute();
  return running.flatMap((row) => (row.queue_key ? [row.queue_key] : []));
}

async function tryLeaseLock(db: Kysely<JobsDatabase>): Promise<boolean> {
  const { rows } = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${LEASE_LOCK}) as locked`.execute(db);
  return rows[0]?.locked === true;
}

/** Running jobs per fairness key among `kinds`, across every worker (few: they are bounded by the slots). */
async function runningPerKey(db: Kysely<JobsDatabase>, kinds: readonly string[], realNow: number): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom('jobs')
    .select((eb) => ['fair_key', eb.fn.countAll<number>().as('n')])
    .where('state', '=', 'running')
    .where('lease_expires', '>=', realNow)
    .where('fair_key', 'is not', null)
    .where('kind', 'in', kinds)
    .groupBy('fair_key')
    .execute();
  return new Map(rows.map((row) => [row.fair_key as string, Number(row.n)]));
}

/** The ids to lease, in due order. Call inside a transaction, so the candidates stay locked until leased. */
export async function chooseJobs(db: Kysely<JobsDatabase>, dialect: EngineDialect, r: LeaseRequest): Promise<number[]> {
  // One lease at a time across processes: the check for busy queues below sees only committed
  // leases, so two at once could each start a job of the same queue. A process that finds
  // another leasing leaves the due jobs to it rather than wait: waiting inside a grouped
  // transaction could deadlock with the other group's row locks. SQLite has one writer already.
  if (dialect === 'postgres' && !(await tryLeaseLock(db))) return [];
  const perKey = r.kinds !== undefined && r.perKeyLimit !== undefined ? await runningPerKey(db, r.kinds, r.realNow) : null;
  const excluded = perKey ? [...perKey].filter(([, n]) => n >= (r.perKeyLimit as number)).map(([key]) => key) : [];
  const chosen: number[] = [];
  const busy = new Set<string>();
  // One query per sort of candidate, each reading the jobs_due index in order and stopping at
  // the limit: a single OR of them made the database sort every due job on each lease, which
  // under a burst cost more than running the jobs (docs/performance.md). Windows widen so that
  // a backlog of busy queues does not hide another queue's due job.
  for (let want = r.limit * 4, round = 0; chosen.length < r.limit && round < MAX_LEASE_ROUNDS; want *= 8, round++) {
    const sorts = await candidates(db, dialect, r, want, excluded);
    const seen = new Set<number>();
    const rows = sorts
      .flat()
      .sort((a, b) => a.run_at - b.run_at || a.id - b.id)
      .filter((row) => !seen.has(row.id) && seen.add(row.id))
      .slice(0, want);
    const queues = [...new Set(rows.map((row) => row.queue_key).filter((q): q is string => q !== null && !busy.has(q)))];
    for (const queue of await runningQueues(db, queues, r.realNow)) busy.add(queue);
    for (const row of rows) {
      if (chosen.length >= r.limit) break;
      if (chosen.includes(row.id)) continue;
      // One job per queue at a time keeps each queue's work in order.
      if (row.queue_key !== null && busy.has(row.queue_key)) continue;
      if (perKey && row.fair_key !== null) {
        const n = perKey.get(row.fair_key) ?? 0;
        if (n >= (r.perKeyLimit as number)) continue;
        perKey.set(row.fair_key, n + 1);
      }
      if (row.queue_key !== null) busy.add(row.queue_key);
      chosen.push(row.id);
    }
    if (!sorts.some((sort) => sort.length === want)) break;
  }
  return chosen;
}
