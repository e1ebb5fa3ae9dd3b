import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CompiledQuery, sql, type Kysely, type KyselyPlugin, type RootOperationNode } from 'kysely';
import { connect } from '../../src/store/connect.js';
import { simRepo } from '../../src/store/repos/sims.js';
import { inventoryRepo } from '../../src/store/repos/inventory.js';
import type { Database } from '../../src/store/schema.js';
import type { SimBrowseFilter, SimOrder } from '../../src/domain/ports.js';
import { newSim } from '../../src/domain/sims/service.js';
import { newSid } from '../../src/domain/sids.js';
import { withCheckDigit } from '../../src/domain/iccid.js';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';

// The console's fleet table must stay fast at a million SIMs: each order it offers, with each
// filter it allows, is read through an index in that order (no sort of the matching rows), on
// SQLite and on PostgreSQL. The queries are the repository's own, captured as they run.

class Recorder implements KyselyPlugin {
  nodes: RootOperationNode[] = [];
  transformQuery(args: { node: RootOperationNode }): RootOperationNode {
    this.nodes.push(args.node);
    return args.node;
  }
  async transformResult<T>(args: { result: T }): Promise<T> {
    return args.result;
  }
}

describe('console queries use indexes', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let dialect: 'sqlite' | 'postgres';
  const account = newSid('AC');
  const ratePlan = newSid('WP');

  before(async () => {
    database = await createTestDatabaseUrl();
    const connection = await connect(database.url);
    db = connection.db;
    dialect = connection.dialect;
    const sims = Array.from({ length: 300 }, (_, i) => ({
      ...newSim({ account_sid: i % 3 === 0 ? account : newSid('AC'), iccid: withCheckDigit(`8944${String(i).padStart(15, '0')}`), e_id: null, registration_code: `R${i}` }, 1000 + i),
      unique_name: `unit-${i}`,
      rate_plan_sid: i % 2 === 0 ? ratePlan : null,
      status: (['new', 'ready', 'active'] as const)[i % 3],
    }));
    await db.insertInto('sims').values(sims).execute();
    if (dialect === 'postgres') await sql`analyze`.execute(db);
  });
  after(async () => {
    await db.destroy();
    await database.cleanup();
  });

  /** The plan of the statement `run` sends, as text. */
  async function planOf(run: (db: Kysely<Database>) => Promise<unknown>): Promise<string> {
    const recorder = new Recorder();
    await run(db.withPlugin(recorder));
    const compiled = db.getExecutor().compileQuery(recorder.nodes[0], { queryId: 'plan' } as never);
    return db.transaction().execute(async (trx) => {
      if (dialect === 'postgres') {
        // A tiny table is cheaper to scan, or to sort; forbid both, so the plan shows whether an
        // index serves the order, as it must for a big one.
        await sql`set local enable_seqscan = off`.execute(trx);
        await sql`set local enable_sort = off`.execute(trx);
        await sql`set local enable_bitmapscan = off`.execute(trx);
      }
      const explain = dialect === 'sqlite' ? 'EXPLAIN QUERY PLAN ' : 'EXPLAIN ';
      const result = await trx.executeQuery(CompiledQuery.raw(explain + compiled.sql, [...compiled.parameters]));
      return (result.rows as Record<string, unknown>[]).map((row) => String(row.detail ?? row['QUERY PLAN'])).join('\n');
    });
  }

  function assertIndexed(plan: string, what: string) {
    if (dialect === 'sqlite') {
      assert.match(plan, /USING (COVERING )?INDEX|USING INTEGER PRIMARY KEY/, `${what} reads an index:\n${plan}`);
      assert.doesNotMatch(plan, /TEMP B-TREE/, `${what} sorts nothing:\n${plan}`);
      assert.doesNotMatch(plan, /^SCAN sims$/m, `${what} scans no table:\n${plan}`);
    } else {
      assert.match(plan, /Index (Only )?Scan/, `${what} reads an index:\n${plan}`);
      assert.doesNotMatch(plan, /\bSort\b/, `${what} sorts nothing:\n${plan}`);
      assert.doesNotMatch(plan, /Seq Scan/, `${what} scans no table:\n${plan}`);
    }
  }

  const orders: [string, SimOrder][] = [
    ['created, oldest first', { by: 'created', direction: 'asc' }],
    ['created, newest first', { by: 'created', direction: 'desc' }],
    ['ICCID ascending', { by: 'iccid', direction: 'asc' }],
    ['ICCID descending', { by: 'iccid', direction: 'desc' }],
  ];
  const filters: [string, Omit<SimBrowseFilter, 'accountSid'>][] = [
    ['no filter', {}],
    ['a status', { status: 'ready' }],
  ];

  for (const [orderName, order] of orders) {
    for (const [filterName, filter] of filters) {
      for (const cursor of [{}, { after: order.by === 'iccid' ? '8944' : '10' }, { before: order.by === 'iccid' ? '8999' : '200' }]) {
        test(`${orderName}, ${filterName}, ${Object.keys(cursor)[0] ?? 'first page'}`, async () => {
          const plan = await planOf((d) => simRepo(d, dialect, true).browse({ accountSid: account, ...filter }, order, cursor, 50));
          assertIndexed(plan, `${orderName} with ${filterName}`);
        });
      }
    }
  }

  test('created order within a rate plan', async () => {
    for (const direction of ['asc', 'desc'] as const) {
      const plan = await planOf((d) => simRepo(d, dialect, true).browse({ accountSid: account, ratePlanSid: ratePlan }, { by: 'created', direction }, { after: '5' }, 50));
      assertIndexed(plan, `rate plan, created ${direction}`);
    }
  });

  test('the search by the start of a unique name', async () => {
    const plan = await planOf((d) => simRepo(d, dialect, true).browse({ accountSid: account, uniqueNamePrefix: 'unit-1' }, { by: 'created', direction: 'asc' }, { after: 'unit-10' }, 50));
    assertIndexed(plan, 'unique-name search');
  });

  test('the counts by status', async () => {
    const plan = await planOf((d) => simRepo(d, dialect, true).countByStatus(account));
    assertIndexed(plan, 'counts by status');
  });

  test('the unregistered cards of the inventory', async () => {
    const plan = await planOf((d) => inventoryRepo(d).listUnregistered('8944', 50));
    assertIndexed(plan, 'unregistered cards');
  });

  test('the search finds exactly the names that start with the text, wildcards included', async () => {
    await db.updateTable('sims').set({ unique_name: 'unit_%x' }).where('unique_name', '=', 'unit-3').execute();
    const repo = simRepo(db, dialect, false);
    const page = await repo.browse({ accountSid: account, uniqueNamePrefix: 'unit_%' }, { by: 'created', direction: 'asc' }, {}, 50);
    assert.deepEqual(page.items.map((s) => s.unique_name), ['unit_%x']);
    const some = await repo.browse({ accountSid: account, uniqueNamePrefix: 'unit-2' }, { by: 'created', direction: 'asc' }, {}, 50);
    assert.ok(some.items.length > 0 && some.items.every((s) => s.unique_name!.startsWith('unit-2')));
    assert.deepEqual(some.items.map((s) => s.unique_name), [...some.items.map((s) => s.unique_name)].sort());
  });
});
