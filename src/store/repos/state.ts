import { sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { SnapshotMeta, StateRepo } from '../../domain/ports.js';
import { invalid } from '../../domain/errors.js';
import { credentialVersionRepo } from './credential-version.js';
import { SecretKeyError, type SecretBox } from '../../lib/secret-box.js';
import { resealAccounts } from './accounts.js';

// The state as a whole, table by table. Every table is found by introspection (a table a later
// migration adds is included without a change here), except Kysely's migration bookkeeping and
// the snapshots themselves. No table references another, so the order does not matter.

export interface SnapshotsTable {
  name: string;
  date_created: number;
  clock_ms: number;
  row_count: number;
  /** JSON: { tables: { [table]: { columns: string[], rows: unknown[][] } } }. */
  data: string;
  /** The key the auth tokens in `data` were sealed with when it was taken; null: plain. */
  secrets_key_id: string | null;
}

declare module '../schema.js' {
  interface Database {
    snapshots: SnapshotsTable;
  }
}

type Row = Record<string, unknown>;
interface SnapshotData {
  tables: Record<string, { columns: string[]; rows: unknown[][] }>;
}

const OWN_TABLE = 'snapshots';
/**
 * Kept through resets and restores: the versions that coordinate processes (bumped by both), the
 * failed logins counted across processes, and who is signed in to the console (a reset signs no
 * one out, a restore brings back no ended session).
 */
const KEPT = new Set(['credential_version', 'state_version', 'login_failures', 'console_sessions']);
/** Parameters per INSERT, below SQLite's and PostgreSQL's limits. */
const MAX_PARAMETERS = 10_000;

async function stateTables(db: Kysely<Database>): Promise<Map<string, string[]>> {
  const tables = await db.introspection.getTables();
  return new Map(tables.filter((t) => !t.isView && t.name !== OWN_TABLE && !KEPT.has(t.name) && !t.name.startsWith('kysely_')).map((t) => [t.name, t.columns.map((c) => c.name)]));
}

/** A dynamic table name: the tables are only known at run time. */
const anyTable = (db: Kysely<Database>) => db as unknown as Kysely<Record<string, Row>>;

const meta = (row: Omit<SnapshotsTable, 'data' | 'secrets_key_id'>): SnapshotMeta => ({
  name: row.name,
  date_created: Number(row.date_created),
  clock_ms: Number(row.clock_ms),
  rows: row.row_count,
});

/** Checks a stored snapshot against the tables of this schema; the error names the first mismatch. */
function checkSnapshot(name: string, raw: string, tables: Map<string, string[]>): SnapshotData {
  let data: SnapshotData;
  try {
    data = JSON.parse(raw) as SnapshotData;
  } catch {
    throw invalid(`Snapshot "${name}" cannot be read: its data is not JSON`);
  }
  if (!data || typeof data.tables !== 'object') throw invalid(`Snapshot "${name}": tables is missing`);
  for (const [table, content] of Object.entries(data.tables)) {
    const columns = tables.get(table);
    if (!columns) throw invalid(`Snapshot "${name}": tables.${table} is not a table of this version of Wisp`);
    const unknown = content.columns.find((c) => !columns.includes(c));
    if (unknown) throw invalid(`Snapshot "${name}": tables.${table}.columns names "${unknown}", which this version of Wisp does not have`);
    const bad = content.rows.findIndex((r) => !Array.isArray(r) || r.length !== content.columns.length);
    if (bad >= 0) throw invalid(`Snapshot "${name}": tables.${table}.rows[${bad}] does not have ${content.columns.length} values`);
  }
  return data;
}

/** A snapshot's JSON with the auth tokens of its accounts sealed as `secrets` would seal them now. */
export function resealSnapshotData(raw: string, secrets: SecretBox): string {
  const data = JSON.parse(raw) as SnapshotData;
  const accounts = data.tables?.accounts;
  if (!accounts) return raw;
  const sid = accounts.columns.indexOf('sid');
  const token = accounts.columns.indexOf('auth_token');
  if (sid < 0 || token < 0) return raw;
  for (const row of accounts.rows) {
    const stored = row[token] as string;
    if (secrets.needsReseal(stored)) row[token] = secrets.seal(secrets.open(stored, row[sid] as string), row[sid] as string);
  }
  return JSON.stringify(data);
}

/**
 * The state was replaced: every process forgets the credentials it remembers (accounts and keys
 * changed), and takes the stored clock as it is, even when it goes back.
 */
async function replaced(db: Kysely<Database>): Promise<void> {
  await credentialVersionRepo(db).bump();
  await db.updateTable('state_version').set((eb) => ({ version: eb('version', '+', 1) })).where('id', '=', 1).execute();
}

export function stateRepo(db: Kysely<Database>, secrets: SecretBox): StateRepo {
  const rowsDb = anyTable(db);
  const listColumns = ['name', 'date_created', 'clock_ms', 'row_count'] as const;
  return {
    async saveSnapshot(name, now, clockMs) {
      const data: SnapshotData = { tables: {} };
      let count = 0;
      for (const [table, columns] of await stateTables(db)) {
        const rows = await rowsDb.selectFrom(table).selectAll().execute();
        data.tables[table] = { columns, rows: rows.map((row) => columns.map((c) => row[c] ?? null)) };
        count += rows.length;
      }
      const row = { name, date_created: now, clock_ms: clockMs, row_count: count, data: JSON.stringify(data), secrets_key_id: secrets.currentKeyId };
      await db.deleteFrom('snapshots').where('name', '=', name).execute();
      await db.insertInto('snapshots').values(row).execute();
      return meta(row);
    },

    async listSnapshots() {
      const rows = await db.selectFrom('snapshots').select(listColumns).orderBy('date_created').orderBy('name').execute();
      return rows.map(meta);
    },

    async restoreSnapshot(name) {
      const stored = await db.selectFrom('snapshots').selectAll().where('name', '=', name).executeTakeFirst();
      if (!stored) return null;
      const tables = await stateTables(db);
      const data = checkSnapshot(name, stored.data, tables);
      for (const table of tables.keys()) await rowsDb.deleteFrom(table).execute();
      for (const [table, { columns, rows }] of Object.entries(data.tables)) {
        const perInsert = Math.max(1, Math.floor(MAX_PARAMETERS / Math.max(1, columns.length)));
        for (let i = 0; i < rows.length; i += perInsert) {
          const values = rows.slice(i, i + perInsert).map((r) => Object.fromEntries(columns.map((c, j) => [c, r[j]])));
          await rowsDb.insertInto(table).values(values).execute();
        }
      }
      // A job that was running when the snapshot was taken ran in a world that is gone: it is
      // due again, and the attempt it was on does not count. Sequences need no change: the
      // snapshot's ids were all drawn from this database's sequences, which never go back.
      await sql`update jobs set state = 'pending', lease_owner = null, lease_expires = null, attempts = attempts - 1 where state = 'running'`.execute(db);
      // A snapshot taken before WISP_SECRET_KEY was set, or under an older key, holds tokens
      // sealed otherwise: they are sealed as now, or the restore is refused.
      try {
        await resealAccounts(db, secrets);
      } catch (error) {
        if (error instanceof SecretKeyError) throw invalid(`Snapshot "${name}" cannot be restored: ${error.message}`);
        throw error;
      }
      await replaced(db);
      return meta(stored);
    },

    async deleteSnapshot(name) {
      const result = await db.deleteFrom('snapshots').where('name', '=', name).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async clear(keepAccountSid) {
      for (const table of (await stateTables(db)).keys()) {
        if (table === 'accounts') await db.deleteFrom('accounts').where('sid', '!=', keepAccountSid).execute();
        else await rowsDb.deleteFrom(table).execute();
      }
      await replaced(db);
    },
  };
}
