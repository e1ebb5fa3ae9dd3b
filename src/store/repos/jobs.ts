import { sql, type ExpressionBuilder, type Insertable, type Kysely, type QueryResult, type Selectable } from 'kysely';
import { TIMER_KINDS, type Job, type JobKind, type JobState } from '../../domain/outbox.js';
import type { Database, JobsTable } from '../schema.js';
import type { JobRepo } from '../store.js';
import type { Dialect } from '../migrations/columns.js';
import { compiledQuery } from '../compiled.js';

const fromRow = (row: Selectable<JobsTable>): Job => ({
  id: row.id,
  kind: row.kind as JobKind,
  simSid: row.sim_sid,
  payload: JSON.parse(row.payload) as unknown,
  state: row.state as JobState,
  runAt: row.run_at,
  attempts: row.attempts,
  leaseOwner: row.lease_owner,
  leaseExpires: row.lease_expires,
  lastError: row.last_error,
  dateCreated: row.date_created,
  dateUpdated: row.date_updated,
});

const ERROR_MAX = 2000;
const clip = (error: string | null | undefined) => (error == null ? null : error.slice(0, ERROR_MAX));

/** Pending jobs created since `since` to run at once (a retry's run_at is past its date_created). */
const caused = (eb: ExpressionBuilder<Database, 'jobs'>, since: number) =>
  eb.and([eb('state', '=', 'pending'), eb('date_created', '>=', since), eb('run_at', '<=', eb.ref('date_created'))]);

// The statements every status change runs, compiled once (src/store/compiled.ts).
const insertJob = compiledQuery((db: Kysely<Database>, p: Insertable<JobsTable>) =>
  db
    .insertInto('jobs')
    .values({
      kind: p.kind,
      sim_sid: p.sim_sid,
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
    .returning('id'),
);

const jobById = compiledQuery((db: Kysely<Database>, p: { id: number }) => db.selectFrom('jobs').selectAll().where('id', '=', p.id));

/** Updates a job only while `owner` holds its lease. */
const whileLeased = <P extends { id: number; owner: string }>(db: Kysely<Database>, p: P) =>
  db.updateTable('jobs').where('id', '=', p.id).where('lease_owner', '=', p.owner).where('state', '=', 'running');

const finishJob = compiledQuery((db: Kysely<Database>, p: { id: number; owner: string; state: string; error: string | null; now: number }) =>
  whileLeased(db, p).set({ state: p.state, lease_owner: null, lease_expires: null, last_error: p.error, date_updated: p.now }),
);

const rescheduleJob = (refund: boolean) =>
  compiledQuery((db: Kysely<Database>, p: { id: number; owner: string; runAt: number; error: string | null; now: number }) =>
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

const parkJob = compiledQuery((db: Kysely<Database>, p: { id: number; owner: string; state: string; now: number }) =>
  whileLeased(db, p).set((eb) => ({ state: p.state, lease_owner: null, lease_expires: null, attempts: eb('attempts', '-', 1), date_updated: p.now })),
);

/**
 * Moves a Sim's timers from one state to another. The states are written into the SQL (not
 * bound) and the condition repeats the predicate of the jobs_sim_live_timers index, so the
 * planner can prove that index fits (migration 005).
 */
const moveTimers = (from: JobState[], to: JobState) =>
  compiledQuery((db: Kysely<Database>, p: { simSid: string; now: number }) =>
    db
      .updateTable('jobs')
      .set({ state: to, date_updated: p.now })
      .where('sim_sid', '=', p.simSid)
      .where('kind', 'in', [...TIMER_KINDS])
      .where(sql.ref('state'), 'in', [sql.lit('pending'), sql.lit('held')])
      .where(sql.ref('state'), 'in', from.map((state) => sql.lit(state))),
  );
const holdTimers = moveTimers(['pending'], 'held');
const releaseTimers = moveTimers(['held'], 'pending');
const cancelTimers = moveTimers(['pending', 'held'], 'canceled');

/** Lease candidates of one kind, in due order; PostgreSQL skips rows another worker is leasing. */
const candidates = (where: (eb: ExpressionBuilder<Database, 'jobs'>, p: CandidateParams) => ReturnType<typeof caused>, lock: boolean) =>
  compiledQuery((db: Kysely<Database>, p: CandidateParams) => {
    const q = db.selectFrom('jobs').select(['id', 'sim_sid', 'run_at']).where((eb) => where(eb, p)).orderBy('run_at').orderBy('id').limit(p.limit);
    return lock ? q.forUpdate().skipLocked() : q;
  });
type CandidateParams = { at: number; limit: number };
const candidateKinds = (lock: boolean) => ({
  due: candidates((eb, p) => eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', p.at)]), lock),
  caused: candidates((eb, p) => caused(eb, p.at), lock),
  expired: candidates((eb, p) => eb.and([eb('state', '=', 'running'), eb('lease_expires', '<', p.at)]), lock),
});
const CANDIDATES = { sqlite: candidateKinds(false), postgres: candidateKinds(true) };

export function jobRepo(db: Kysely<Database>, dialect: Dialect): JobRepo {
  const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows > 0n;
  const changedRows = (result: QueryResult<unknown>) => (result.numAffectedRows ?? 0n) > 0n;
  const find = CANDIDATES[dialect];

  return {
    async enqueue(job, now, claim) {
      const [row] = await insertJob.all(db, {
        kind: job.kind,
        sim_sid: job.simSid,
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
      return Number(row.id);
    },

    async get(id) {
      const row = await jobById.first(db, { id });
      return row && fromRow(row);
    },

    /** Call inside a transaction (the runner does), so the candidates stay locked until leased. */
    async lease({ owner, dueBy, realNow, leaseMs, limit, now, causedSince }) {
      // Candidates in due order; PostgreSQL skips rows another worker is leasing right now. One
      // query per kind of candidate, each reading the jobs_due index in order and stopping at
      // the limit: a single OR of them made the database sort every due job on each lease, which
      // under a burst of changes cost more than running the jobs (docs/performance.md).
      const want = limit * 4;
      const found = [
        ...(await find.due.all(db, { at: dueBy, limit: want })),
        ...(causedSince === undefined ? [] : await find.caused.all(db, { at: causedSince, limit: want })),
        ...(await find.expired.all(db, { at: realNow, limit: want })),
      ];
      const seen = new Set<number>();
      const rows = found
        .sort((a, b) => a.run_at - b.run_at || a.id - b.id)
        .filter((r) => !seen.has(r.id) && seen.add(r.id))
        .slice(0, want);
      if (rows.length === 0) return [];

      // One job per Sim at a time keeps each Sim's work (and its callbacks) in order.
      const sims = [...new Set(rows.map((r) => r.sim_sid).filter((s): s is string => s !== null))];
      const busy = new Set<string>();
      if (sims.length > 0) {
        const running = await db
          .selectFrom('jobs')
          .select('sim_sid')
          .where('state', '=', 'running')
          .where('lease_expires', '>=', realNow)
          .where('sim_sid', 'in', sims)
          .execute();
        for (const r of running) if (r.sim_sid) busy.add(r.sim_sid);
      }
      const chosen: number[] = [];
      for (const row of rows) {
        if (chosen.length >= limit) break;
        if (row.sim_sid !== null) {
          if (busy.has(row.sim_sid)) continue;
          busy.add(row.sim_sid);
        }
        chosen.push(row.id);
      }
      if (chosen.length === 0) return [];
      const leasedRows = await db
        .updateTable('jobs')
        .set((eb) => ({
          state: 'running',
          lease_owner: owner,
          lease_expires: realNow + leaseMs,
          attempts: eb('attempts', '+', 1),
          date_updated: now,
        }))
        .where('id', 'in', chosen)
        .where((eb) => eb.or([eb('state', '=', 'pending'), eb.and([eb('state', '=', 'running'), eb('lease_expires', '<', realNow)])]))
        .returningAll()
        .execute();
      return leasedRows.map(fromRow).sort((a, b) => a.runAt - b.runAt || a.id - b.id);
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
      const result = await db
        .updateTable('jobs')
        .set({ state: 'pending', run_at: now, date_updated: now })
        .where('state', '=', 'waiting')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async holdTimers(simSid, now) {
      await holdTimers.run(db, { simSid, now });
    },

    async releaseTimers(simSid, now) {
      await releaseTimers.run(db, { simSid, now });
    },

    async cancelTimers(simSid, now) {
      await cancelTimers.run(db, { simSid, now });
    },

    async extendLeases(owner, until) {
      await db
        .updateTable('jobs')
        .set({ lease_expires: until })
        .where('lease_owner', '=', owner)
        .where('state', '=', 'running')
        .execute();
    },

    async countDue(dueBy, causedSince) {
      const rows = await db
        .selectFrom('jobs')
        .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
        .where('state', 'in', ['pending', 'running'])
        .where((eb) => (causedSince === undefined ? eb('run_at', '<=', dueBy) : eb.or([eb('run_at', '<=', dueBy), caused(eb, causedSince)])))
        .groupBy('state')
        .execute();
      const count = (state: string) => Number(rows.find((r) => r.state === state)?.n ?? 0);
      return { pending: count('pending'), running: count('running') };
    },

    async list({ state, kind, simSid, beforeId, limit }) {
      let q = db.selectFrom('jobs').selectAll();
      if (state !== undefined) q = q.where('state', '=', state);
      if (kind !== undefined) q = q.where('kind', '=', kind);
      if (simSid !== undefined) q = q.where('sim_sid', '=', simSid);
      if (beforeId !== undefined) q = q.where('id', '<', beforeId);
      const rows = await q.orderBy('id', 'desc').limit(limit).execute();
      return rows.map(fromRow);
    },

    async pruneFinished(before, limit) {
      // Ids grow with creation time: the first job created since `before` bounds the search, so
      // neither query reads the young jobs, however many there are.
      const young = await db.selectFrom('jobs').select('id').where('date_created', '>=', before).orderBy('id').limit(1).executeTakeFirst();
      const old = db
        .selectFrom('jobs')
        .select('id')
        .where('state', 'in', ['done', 'canceled'])
        .where('date_updated', '<', before)
        .orderBy('id')
        .limit(limit);
      const result = await db
        .deleteFrom('jobs')
        .where('id', 'in', young ? old.where('id', '<', young.id) : old)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async revive(id, now) {
      const result = await db
        .updateTable('jobs')
        .set({ state: 'pending', run_at: now, attempts: 0, date_updated: now })
        .where('id', '=', id)
        .where('state', '=', 'dead')
        .executeTakeFirst();
      return changed(result);
    },
  };
}
