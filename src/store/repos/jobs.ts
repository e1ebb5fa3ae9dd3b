import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { TIMER_KINDS, type Job, type JobKind, type JobState } from '../../domain/outbox.js';
import type { Database, JobsTable } from '../schema.js';
import type { JobRepo } from '../store.js';
import type { Dialect } from '../migrations/columns.js';

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

export function jobRepo(db: Kysely<Database>, dialect: Dialect): JobRepo {
  /** Updates a job only while `owner` holds its lease. */
  const leased = (id: number, owner: string) =>
    db.updateTable('jobs').where('id', '=', id).where('lease_owner', '=', owner).where('state', '=', 'running');
  const changed = (result: { numUpdatedRows: bigint }) => result.numUpdatedRows > 0n;
  const timers = [...TIMER_KINDS];

  return {
    async enqueue(job, now, claim) {
      const row = await db
        .insertInto('jobs')
        .values({
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
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return Number(row.id);
    },

    async get(id) {
      const row = await db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },

    /** Call inside a transaction (the runner does), so the candidates stay locked until leased. */
    async lease({ owner, dueBy, realNow, leaseMs, limit, now, causedSince }) {
      // Candidates in due order; PostgreSQL skips rows another worker is leasing right now. One
      // query per kind of candidate, each reading the jobs_due index in order and stopping at
      // the limit: a single OR of them made the database sort every due job on each lease, which
      // under a burst of changes cost more than running the jobs (docs/performance.md).
      const want = limit * 4;
      const branch = (where: (eb: ExpressionBuilder<Database, 'jobs'>) => ReturnType<typeof caused>) => {
        let q = db.selectFrom('jobs').select(['id', 'sim_sid', 'run_at']).where(where).orderBy('run_at').orderBy('id').limit(want);
        if (dialect === 'postgres') q = q.forUpdate().skipLocked();
        return q.execute();
      };
      const found = [
        ...(await branch((eb) => eb.and([eb('state', '=', 'pending'), eb('run_at', '<=', dueBy)]))),
        ...(causedSince === undefined ? [] : await branch((eb) => caused(eb, causedSince))),
        ...(await branch((eb) => eb.and([eb('state', '=', 'running'), eb('lease_expires', '<', realNow)]))),
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
      const result = await leased(id, owner)
        .set({ state, lease_owner: null, lease_expires: null, last_error: clip(error), date_updated: now })
        .executeTakeFirst();
      return changed(result);
    },

    async reschedule(id, owner, { runAt, now, error, refundAttempt }) {
      const result = await leased(id, owner)
        .set((eb) => ({
          state: 'pending',
          run_at: runAt,
          lease_owner: null,
          lease_expires: null,
          last_error: clip(error),
          date_updated: now,
          ...(refundAttempt ? { attempts: eb('attempts', '-', 1) } : {}),
        }))
        .executeTakeFirst();
      return changed(result);
    },

    async park(id, owner, state, now) {
      const result = await leased(id, owner)
        .set((eb) => ({ state, lease_owner: null, lease_expires: null, attempts: eb('attempts', '-', 1), date_updated: now }))
        .executeTakeFirst();
      return changed(result);
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
      await db
        .updateTable('jobs')
        .set({ state: 'held', date_updated: now })
        .where('sim_sid', '=', simSid)
        .where('state', '=', 'pending')
        .where('kind', 'in', timers)
        .execute();
    },

    async releaseTimers(simSid, now) {
      await db
        .updateTable('jobs')
        .set({ state: 'pending', date_updated: now })
        .where('sim_sid', '=', simSid)
        .where('state', '=', 'held')
        .execute();
    },

    async cancelTimers(simSid, now) {
      await db
        .updateTable('jobs')
        .set({ state: 'canceled', date_updated: now })
        .where('sim_sid', '=', simSid)
        .where('state', 'in', ['pending', 'held'])
        .where('kind', 'in', timers)
        .execute();
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
