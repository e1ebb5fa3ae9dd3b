import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { connect } from '../../src/store/connect.js';
import { compiledQuery } from '../../src/lib/compiled-query.js';
import type { Database } from '../../src/store/schema.js';
import { newSid } from '../../src/domain/sids.js';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';

// Queries compiled once (src/lib/compiled-query.ts) against the same queries built by Kysely on
// every call, on whichever database this run uses.

const accountBySid = compiledQuery((db: Kysely<Database>, p: { sid: string }) => db.selectFrom('accounts').selectAll().where('sid', '=', p.sid));

const accountsOfOwner = compiledQuery((db: Kysely<Database>, p: { owner: string; limit: number }) =>
  db.selectFrom('accounts').select(['sid', 'friendly_name']).where('owner_account_sid', '=', p.owner).where('status', '=', 'active').orderBy('seq').limit(p.limit),
);

const renameAccount = compiledQuery((db: Kysely<Database>, p: { sid: string; name: string; now: number }) =>
  db.updateTable('accounts').set({ friendly_name: p.name, date_updated: p.now }).where('sid', '=', p.sid),
);

describe('compiled queries', () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  const master = newSid('AC');
  const subs = [newSid('AC'), newSid('AC'), newSid('AC')];

  before(async () => {
    database = await createTestDatabaseUrl();
    db = (await connect(database.url)).db;
    const row = (sid: string, owner: string, status = 'active') => ({
      sid, owner_account_sid: owner, friendly_name: `name of ${sid}`, status, type: 'Full', auth_token: 'a'.repeat(32), date_created: 1, date_updated: 2,
    });
    await db.insertInto('accounts').values([row(master, master), ...subs.map((sid) => row(sid, master)), row(newSid('AC'), master, 'suspended')]).execute();
  });
  after(async () => {
    await db.destroy();
    await database.cleanup();
  });

  it('returns the rows the same query built by Kysely returns, call after call', async () => {
    for (const sid of [master, ...subs, newSid('AC')]) {
      const plain = await db.selectFrom('accounts').selectAll().where('sid', '=', sid).executeTakeFirst();
      assert.deepEqual(await accountBySid.first(db, { sid }), plain);
    }
    for (const limit of [1, 2, 10]) {
      const plain = await db
        .selectFrom('accounts').select(['sid', 'friendly_name']).where('owner_account_sid', '=', master).where('status', '=', 'active').orderBy('seq').limit(limit)
        .execute();
      const rows = await accountsOfOwner.all(db, { owner: master, limit });
      assert.deepEqual(rows, plain);
      assert.equal(rows.length, Math.min(limit, 4));
    }
  });

  it('sends the SQL Kysely compiles, with constants kept and each value in its place', () => {
    const plain = db.selectFrom('accounts').select(['sid', 'friendly_name']).where('owner_account_sid', '=', 'ACx').where('status', '=', 'active').orderBy('seq').limit(7).compile();
    const compiled = accountsOfOwner.compile(db, { owner: 'ACx', limit: 7 });
    assert.equal(compiled.sql, plain.sql);
    assert.deepEqual(compiled.parameters, plain.parameters);
  });

  it('runs inside a transaction, which sees its own writes and can roll them back', async () => {
    const sid = subs[0];
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        const result = await renameAccount.run(trx, { sid, name: 'renamed', now: 3 });
        assert.equal(Number(result.numAffectedRows), 1);
        assert.equal((await accountBySid.first(trx, { sid }))?.friendly_name, 'renamed');
        throw new Error('roll back');
      }),
      /roll back/,
    );
    assert.equal((await accountBySid.first(db, { sid }))?.friendly_name, `name of ${sid}`);
    await renameAccount.run(db, { sid, name: 'renamed for good', now: 4 });
    assert.deepEqual(await accountBySid.first(db, { sid }), { ...(await db.selectFrom('accounts').selectAll().where('sid', '=', sid).executeTakeFirstOrThrow()), friendly_name: 'renamed for good' });
  });

  it('refuses a value used to compute rather than passed to Kysely as a value', () => {
    const computed = compiledQuery((d: Kysely<Database>, p: { limit: number }) => d.selectFrom('accounts').selectAll().limit(p.limit + 1));
    assert.throws(() => computed.compile(db, { limit: 1 }), /parameter "limit" was used in an expression/);
    const inlined = compiledQuery((d: Kysely<Database>, p: { sid: string }) => d.selectFrom('accounts').selectAll().where('sid', '=', p.sid ? 'x' : 'y'));
    assert.throws(() => inlined.compile(db, { sid: 'AC' }), /did not become bound parameters/);
  });
});
