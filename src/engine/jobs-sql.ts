import { sql, type Insertable, type Kysely, type QueryResult, type Selectable } from 'kysely';
import { compiledQuery } from '../lib/compiled-query.js';
import { JOB_STATES, type AnyJob, type JobState, type NewJob, type TaskMap } from './types.js';
import type { JobCancel, JobClaim, JobMove, Jobs } from './ports.js';
import { KEYED_STATES, type JobsDatabase, type JobsTable } from './schema.js';
import { caused, chooseJobs, type EngineDialect } from './lease-sql.js';
import { claimPlace } from './key-limits.js';

export type { EngineDialect };


const fromRow = <Tasks extends TaskMap>(row: Selectable<JobsTable>): AnyJob<Tasks> =>
  ({
    id: row.id,
    kind: row.kind,
    queue: row.queue_key,
    key: row.job_key,
    fairKey: row.fair_key,
    payload: JSON.parse(row.payload) as unknown,
    state: row.state as JobState,
    runAt: row.run_at,
    attempts: row.attempts,
    leaseOwner: row.lease_owner,
    leaseExpires: row.lease_expires,
    lastError: row.last_error,
    dateCreated: row.date_created,
    dateUpdated: row.date_updated,
  }) as AnyJob<Tasks>;

const ERROR_MAX = 2000;
const clip = (error: string | null | undefined) => (error == null ? null : error.slice(0, ERROR_MAX));
const keyedStates = () => KEYED_STATES.map((state) => sql.lit(state));
/** The states of jobs set aside (the predicate of the jobs_parked index, store migration 010). */
const PARKED: readonly JobState[] = ['held', 'waiting', 'dead'];

// The statements every job runs, compiled once (src/lib/compiled-query.ts).
const insertJob = compiledQuery((db: Kysely<JobsDatabase>, p: Insertable<JobsTable>) =>
  db
    .insertInto('jobs')
    .values({
      kind: p.kind,
      queue_key: p.queue_key,
      job_key: p.job_key,
      fair_key: p.fair_key,
      payload: p.payload,
      state: p.state,
      run_at: p.run_at,
      attempts: p.attempts,
      lease_owner: p.lease_owner,
      lease_expires: p.lease_expires,
      last_error: p.last_error,
      date_created: p.date_created,
      date_updated: p.date_updated,
    })
    // A key already held by a live job: nothing is written. The condition repeats the predicate
    // of the partial unique index jobs_key (store migration 006), which is how both databases
    // find that index.
    .onConflict((oc) => oc.column('job_key').where('job_key', 'is not', null).where(sql.ref('state'), 'in', keyedStates()).doNothing())
    .returning('id'),
);

const liveJobByKey = compiledQuery((db: Kysely<JobsDatabase>, p: { key: string }) =>
  db.selectFrom('jobs').select('id').where('job_key', '=', p.key).where(sql.ref('state'), 'in', keyedStates()),
);

const jobById = compiledQuery((db: Kysely<JobsDatabase>, p: { id: number }) => db.selectFrom('jobs').selectAll().where('id', '=', p.id));

/**
 * Updates a job only while `owner` holds its lease. A job has a lease owner exactly while it is
 * running (every statement that moves it out of `running` clears the owner), so the owner alone
 * is the check: a condition on `state` as well let PostgreSQL's planner, with few running jobs in
 * its statistics, find the job through jobs_due, reading every running job's entry.
 */
const whileLeased = <P extends { id: number; owner: string }>(db: Kysely<JobsDatabase>, p: P) =>
  db.updateTable('jobs').where('id', '=', p.id).where('lease_owner', '=', p.owner);

const finishJob = compiledQuery((db: Kysely<JobsDatabase>, p: { id: number; owner: string; state: string; error: string | null; now: number }) =>
  whileLeased(db, p).set({ state: p.state, lease_owner: null, lease_expires: null, last_error: p.error, date_updated: p.now }),
);

const rescheduleJob = (refund: boolean) =>
  compiledQuery((db: Kysely<JobsDatabase>, p: { id: number; owner: string; runAt: number; error: string | null; now: number }) =>
    whileLeased(db, p).set((eb) => ({
      state: 'pending',
      run_at: p.runAt,
      lease_owner: null,
      lease_expires: null,
      last_error: p.error,
      date_updated: p.now,
      ...(refund ? { attempts: eb('attempts', '-', 1) } : {}),
    })),
  );
const rescheduleCounted = rescheduleJob(false);
const rescheduleRefunded = rescheduleJob(true);

const parkJob = compiledQuery((db: Kysely<JobsDatabase>, p: { id: number; owner: string; state: string; now: number }) =>
  whileLeased(db, p).set((eb) => ({ state: p.state, lease_owner: null, lease_expires: null, attempts: eb('attempts', '-', 1), date_updated: p.now })),
);

/**
 * Moves a queue's live jobs of some kinds from one state to another. The states are written
 * into the SQL (not bound) and the condition repeats the predicate of the jobs_queue_live
 * index, so the planner can prove that index fits (migrations 005 and 006). One compiled
 * statement per selection shape.
 */
const moveStatements = new Map<string, ReturnType<typeof moveStatement>>();
const moveStatement = (kindCount: number, from: readonly JobState[], to: JobState) =>
  compiledQuery((db: Kysely<JobsDatabase>, p: { queue: string; now: number } & Record<`kind${number}`, string>) =>
    db
      .updateTable('jobs')
      .set({ state: to, date_updated: p.now })
      .where('queue_key', '=', p.queue)
      .where(
        'kind',
        'in',
        Array.from({ length: kindCount }, (_, i) => p[`kind${i}`]),
      )
      .where(sql.ref('state'), 'in', [sql.lit('pending'), sql.lit('held')])
      .where(sql.ref('state'), 'in', from.map((state) => sql.lit(state))),
  );
function moveFor(kindCount: number, from: readonly JobState[], to: JobState) {
  const shape = `${kindCount}|${from.join(',')}|${to}`;
  let statement = moveStatements.get(shape);
  if (!statement) moveStatements.set(shape, (statement = moveStatement(kindCount, from, to)));
  return statement;
}

/**
 * The engine's statements over a database handle, the root or a transaction's. `enqueued` is
 * called after each write that makes work due now, so the handle's owner can wake workers once
 * it commits.
 */
export function kyselyJobs<Tasks extends TaskMap>(db: Kysely<JobsDatabase>, dialect: EngineDialect, enqueued: () => void = () => {}, { transaction = false } = {}): Jobs<Tasks> {
  // What a transaction's members share (the lease lock, keyed claims' tallies) is kept per
  // transaction handle; a handle outside a transaction shares nothing between calls.
  const scope = () => (transaction ? db : { db });
  const changedRows = (result: QueryResult<unknown>) => (result.numAffectedRows ?? 0n) > 0n;

  async function insert(job: NewJob<Tasks>, now: number, claim: JobClaim | null): Promise<number> {
    const key = job.key ?? null;
    const [row] = await insertJob.all(db, {
      kind: job.kind,
      queue_key: job.queue,
      job_key: key,
      fair_key: job.fairKey ?? null,
      payload: JSON.stringify(job.payload ?? null),
      state: claim ? 'running' : 'pending',
      run_at: job.runAt,
      attempts: claim ? 1 : 0,
      lease_owner: claim?.owner ?? null,
      lease_expires: claim?.leaseExpires ?? null,
      last_error: null,
      date_created: now,
      date_updated: now,
    });
    if (row) {
      // Work due now wakes a worker; a claimed job is run by its claimer, and a later one is
      // found by the worker's poll when it falls due.
      if (!claim && job.runAt <= now) enqueued();
      return Number(row.id);
    }
    // Only a key held by a live job writes nothing.
    const live = await liveJobByKey.first(db, { key: key as string });
    if (!live) throw new Error(`job key ${key} is neither free nor held by a live job`);
    return Number(live.id);
  }

  return {
    enqueue: (job, now) => insert(job, now, null),
    enqueueClaimed: (job, now, claim) => insert(job, now, claim),

    async get(id) {
      const row = await jobById.first(db, { id });
      return row && fromRow<Tasks>(row);
    },

    /** Call inside a transaction (the runner does): the choice and the update commit together. */
    async lease(request) {
      const { owner, realNow, leaseMs, now } = request;
      const chosen = await chooseJobs(db, scope(), dialect, request);
      if (chosen === null) return { jobs: [], contended: true };
      if (chosen.length === 0) return { jobs: [], contended: false };
      const leasedRows = await db
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', lease_owner: owner, lease_expires: realNow + leaseMs, attempts: eb('attempts', '+', 1), date_updated: now }))
        // PostgreSQL: a chosen job that a transaction in flight is changing (a timer being held,
        // say) is skipped, not waited for; the next lease sees how that transaction left it.
        .where('id', 'in', dialect === 'postgres' ? (eb) => eb.selectFrom('jobs').select('id').where('id', 'in', chosen).forUpdate().skipLocked() : chosen)
        // Still leasable: pending, or running on an expired lease. Written so that no index
        // matches it, so the planner finds the rows by id: with the few running jobs that
        // statistics taken between bursts show, it drove the update from the state instead.
        .where(sql<boolean>`case when state = 'pending' then true when state = 'running' and lease_expires < ${realNow} then true else false end`)
        .returningAll()
        .execute();
      return { jobs: leasedRows.map((row) => fromRow<Tasks>(row)).sort((a, b) => a.runAt - b.runAt || a.id - b.id), contended: false };
    },

    async enqueueClaimedWithin(job, now, claim, limit) {
      if ((await claimPlace(db, scope(), dialect, limit, job.fairKey)) !== true) return { id: await insert(job, now, null), claimed: false };
      return { id: await insert(job, now, claim), claimed: true };
    },

    async finish(id, owner, state, now, error) {
      return changedRows(await finishJob.run(db, { id, owner, state, error: clip(error), now }));
    },

    async reschedule(id, owner, { runAt, now, error, refundAttempt }) {
      const statement = refundAttempt ? rescheduleRefunded : rescheduleCounted;
      return changedRows(await statement.run(db, { id, owner, runAt, error: clip(error), now }));
    },

    async park(id, owner, state, now) {
      return changedRows(await parkJob.run(db, { id, owner, state, now }));
    },

    async wakeWaiting(now) {
      const result = await db.updateTable('jobs').set({ state: 'pending', run_at: now, date_updated: now }).where(sql.ref('state'), '=', sql.lit('waiting')).executeTakeFirst();
      const woken = Number(result.numUpdatedRows);
      if (woken > 0) enqueued();
      return woken;
    },

    async move({ queue, kinds, from, to }: JobMove<Tasks>, now: number) {
      if (kinds.length === 0 || from.length === 0) return 0;
      const params: { queue: string; now: number } & Record<`kind${number}`, string> = { queue, now };
      kinds.forEach((kind, i) => (params[`kind${i}`] = kind));
      const moved = Number((await moveFor(kinds.length, from, to).run(db, params)).numAffectedRows ?? 0n);
      if (moved > 0 && to === 'pending') enqueued();
      return moved;
    },

    async cancel({ queue, kinds }: JobCancel<Tasks>, now: number) {
      if (kinds.length === 0) return 0;
      const result = await db
        .updateTable('jobs')
        .set({ state: 'canceled', lease_owner: null, lease_expires: null, date_updated: now })
        .where('queue_key', '=', queue)
        .where('kind', 'in', kinds)
        .where(sql.ref('state'), 'in', keyedStates())
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async extendLeases(owner, ids, until) {
      if (ids.length === 0) return;
      await db.updateTable('jobs').set({ lease_expires: until }).where('id', 'in', ids).where('lease_owner', '=', owner).execute();
    },

    async stats(dueBy) {
      // By the partial index of each set of states, never through the finished jobs.
      const countOf = (states: readonly JobState[]) =>
        db
          .selectFrom('jobs')
          .select((eb) => ['kind', 'state', eb.fn.countAll<number>().as('n')])
          .where(sql.ref('state'), 'in', states.map((state) => sql.lit(state)))
          .groupBy(['kind', 'state']);
      const rows = await countOf(['pending']).unionAll(countOf(['running'])).unionAll(countOf(PARKED)).execute();
      const oldest = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.min<number>('run_at').as('run_at'))
        .where(sql.ref('state'), '=', sql.lit('pending'))
        .where('run_at', '<=', dueBy)
        .executeTakeFirst();
      return {
        counts: rows.map((row) => ({ kind: row.kind, state: row.state as JobState, count: Number(row.n) })),
        oldestDueRunAt: oldest?.run_at == null ? null : Number(oldest.run_at),
      };
    },

    async countDue(dueBy, causedSince) {
      const count = async (state: 'pending' | 'running') => {
        const row = await db
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where(sql.ref('state'), '=', sql.lit(state))
          .where((eb) => (causedSince === undefined ? eb('run_at', '<=', dueBy) : eb.or([eb('run_at', '<=', dueBy), caused(eb, causedSince)])))
          .executeTakeFirst();
        return Number(row?.n ?? 0);
      };
      return { pending: await count('pending'), running: await count('running') };
    },

    async list({ state, kind, queue, beforeId, limit }) {
      let q = db.selectFrom('jobs').selectAll();
      // A literal state, so that held, waiting and dead jobs are read through their own index.
      if (state !== undefined) q = q.where(sql.ref('state'), '=', JOB_STATES.includes(state) ? sql.lit(state) : state);
      if (kind !== undefined) q = q.where('kind', '=', kind);
      if (queue !== undefined) q = q.where('queue_key', '=', queue);
      if (beforeId !== undefined) q = q.where('id', '<', beforeId);
      const rows = await q.orderBy('id', 'desc').limit(limit).execute();
      return rows.map((row) => fromRow<Tasks>(row));
    },

    pruneFinished: (before, limit) => pruneIn(db, ['done', 'canceled'], before, limit),

    // A dead job's date_updated is when it died.
    pruneDead: (before, limit) => pruneIn(db, ['dead'], before, limit),

    async revive(id, now) {
      const result = await db
        .updateTable('jobs')
        .set({ state: 'pending', run_at: now, attempts: 0, date_updated: now })
        .where('id', '=', id)
        .where('state', '=', 'dead')
        // A key taken meanwhile by a newer live job stays with it: this one cannot run again.
        .where((eb) =>
          eb.or([
            eb('job_key', 'is', null),
            eb.not(
              eb.exists(
                eb
                  .selectFrom('jobs as holder')
                  .select('holder.id')
                  .whereRef('holder.job_key', '=', 'jobs.job_key')
                  .where(sql.ref('holder.state'), 'in', keyedStates()),
              ),
            ),
          ]),
        )
        .executeTakeFirst();
      const revived = result.numUpdatedRows > 0n;
      if (revived) enqueued();
      return revived;
    },
  };
}

/** Deletes up to `limit` jobs in `states` last changed before `before`; returns how many. */
async function pruneIn(db: Kysely<JobsDatabase>, states: string[], before: number, limit: number): Promise<number> {
  // Ids grow with creation time: the first job created since `before` bounds the search, so
  // neither query reads the young jobs, however many there are.
  const young = await db.selectFrom('jobs').select('id').where('date_created', '>=', before).orderBy('id').limit(1).executeTakeFirst();
  const old = db.selectFrom('jobs').select('id').where('state', 'in', states).where('date_updated', '<', before).orderBy('id').limit(limit);
  const result = await db
    .deleteFrom('jobs')
    .where('id', 'in', young ? old.where('id', '<', young.id) : old)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
