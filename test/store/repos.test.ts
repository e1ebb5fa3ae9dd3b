import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from '../../src/store/connect.js';
import { kyselyStore } from '../../src/store/kysely-store.js';
import type { WispStore as Store } from '../../src/store/kysely-store.js';
import type { Account, Sim } from '../../src/domain/models.js';
import { DomainError } from '../../src/domain/errors.js';
import { newSid } from '../../src/domain/sids.js';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { freshIccid, startServer, type TestServer } from '../helpers/server.js';

// The repositories straight over the store, on whichever database this run uses (SQLite, or
// PostgreSQL in the runner's second pass): the places where the two dialects could differ.

// Past 2^31 and past 2^32: epoch milliseconds must come back as exact numbers, not strings.
const LATE = 4_102_444_800_123;

function account(sid = newSid('AC')): Account {
  return { sid, owner_account_sid: sid, friendly_name: 'repo test', status: 'active', type: 'Full', auth_token: 'a'.repeat(32), date_created: LATE, date_updated: LATE };
}

function sim(accountSid: string, overrides: Partial<Sim> = {}): Sim {
  return {
    sid: newSid('DE'), account_sid: accountSid, unique_name: null, friendly_name: null, iccid: freshIccid(), e_id: null,
    registration_code: 'CODE1', status: 'new', reset_status: null, rate_plan_sid: null,
    commands_callback_url: null, commands_callback_method: 'POST', sms_url: null, sms_method: 'POST',
    sms_fallback_url: null, sms_fallback_method: 'POST', voice_url: null, voice_method: 'POST',
    voice_fallback_url: null, voice_fallback_method: 'POST', ip_address: null, date_created: LATE, date_updated: LATE,
    ...overrides,
  };
}

async function rejects(work: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(work, (error: unknown) => error instanceof DomainError && error.code === code);
}

describe('store repositories', () => {
  let database: TestDatabase;
  let store: Store;
  let owner: Account;

  before(async () => {
    database = await createTestDatabaseUrl();
    const connection = await connect(database.url);
    store = kyselyStore(connection);
    owner = account();
    await store.accounts.insert(owner);
  });
  after(async () => {
    await store.close();
    await database.cleanup();
  });

  it('returns epoch-millisecond times and counts as exact numbers', async () => {
    const got = await store.accounts.get(owner.sid);
    assert.equal(got?.date_created, LATE);
    assert.equal(typeof got?.date_updated, 'number');
    const s = sim(owner.sid, { rate_plan_sid: 'WP' + '0'.repeat(32) });
    await store.sims.insert(s);
    assert.deepEqual(await store.sims.get(s.sid), s);
    assert.equal(await store.sims.countByRatePlan(s.rate_plan_sid as string), 1);
  });

  it('pages forward and backward by keyset, with a filter, in ascending order', async () => {
    const other = account();
    await store.accounts.insert(other);
    const made: Sim[] = [];
    for (let i = 0; i < 25; i++) {
      const s = sim(other.sid, { status: i % 2 === 0 ? 'active' : 'suspended', friendly_name: `n${i}` });
      await store.sims.insert(s);
      made.push(s);
    }
    const active = made.filter((s) => s.status === 'active').map((s) => s.sid);
    const pages: string[][] = [];
    let afterSeq: number | undefined;
    for (;;) {
      const page = await store.sims.list({ accountSid: other.sid, status: 'active' }, { limit: 5, afterSeq });
      pages.push(page.items.map((s) => s.sid));
      if (!page.hasMore) break;
      afterSeq = page.items[page.items.length - 1].seq;
    }
    assert.deepEqual(pages.flat(), active);
    assert.deepEqual(pages.map((p) => p.length), [5, 5, 3]);

    const last = await store.sims.list({ accountSid: other.sid, status: 'active' }, { limit: 5, afterSeq });
    const back = await store.sims.list({ accountSid: other.sid, status: 'active' }, { limit: 5, beforeSeq: last.items[0].seq });
    assert.deepEqual(back.items.map((s) => s.sid), pages[1]);
    assert.equal(back.hasMore, true);
  });

  it('lets many Sims have no unique name but refuses a second holder of one', async () => {
    await store.sims.insert(sim(owner.sid));
    await store.sims.insert(sim(owner.sid));
    await store.sims.insert(sim(owner.sid, { unique_name: 'taken' }));
    await rejects(store.sims.insert(sim(owner.sid, { unique_name: 'taken' })), 'unique_name_taken');
    const second = sim(owner.sid);
    await store.sims.insert(second);
    await rejects(store.sims.update(second.sid, { unique_name: 'taken' }), 'unique_name_taken');
    // Another account may use the same name.
    const other = account();
    await store.accounts.insert(other);
    await store.sims.insert(sim(other.sid, { unique_name: 'taken' }));
  });

  it('refuses a second Sim for one SIM card', async () => {
    const first = sim(owner.sid);
    await store.sims.insert(first);
    await rejects(store.sims.insert(sim(owner.sid, { iccid: first.iccid })), 'registration_taken');
  });

  it('rolls back a transaction whose write breaks a unique index', async () => {
    await store.sims.insert(sim(owner.sid, { unique_name: 'kept' }));
    const fresh = sim(owner.sid);
    await rejects(
      store.transaction(async (tx) => {
        await tx.sims.insert(fresh);
        await tx.sims.insert(sim(owner.sid, { unique_name: 'kept' }));
      }),
      'unique_name_taken',
    );
    assert.equal(await store.sims.get(fresh.sid), undefined);
  });

  it('keeps transactions started together apart: a failing one changes nothing, the others land', async () => {
    // On SQLite these share one commit (group commit); each must still stand or fall alone.
    const made = Array.from({ length: 6 }, () => sim(owner.sid, { friendly_name: 'grouped' }));
    const results = await Promise.allSettled(
      made.map((s, i) =>
        store.transaction(async (tx) => {
          await tx.sims.insert(s);
          await tx.sims.update(s.sid, { friendly_name: `grouped ${i}` });
          if (i % 3 === 1) throw new Error(`refused ${i}`);
          return i;
        }),
      ),
    );
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message)),
      [0, 'refused 1', 2, 3, 'refused 4', 5],
    );
    for (const [i, s] of made.entries()) {
      const stored = await store.sims.get(s.sid);
      assert.equal(stored?.friendly_name, i % 3 === 1 ? undefined : `grouped ${i}`, `Sim ${i}`);
    }
  });

  it('keeps the job engine’s transactions apart too, when one fails in a statement and one in code', async () => {
    // Replayable transactions share a commit on both dialects; on PostgreSQL without savepoints,
    // so a failing member makes the group roll back and every member run again alone.
    await store.sims.insert(sim(owner.sid, { unique_name: 'held' }));
    const made = Array.from({ length: 6 }, () => sim(owner.sid));
    const runs = made.map(() => 0);
    const results = await Promise.allSettled(
      made.map((s, i) =>
        store.transaction(
          async (tx) => {
            runs[i] += 1;
            await tx.sims.insert(s);
            await tx.sims.update(s.sid, { friendly_name: `replayable ${i}` });
            if (i === 1) throw new Error('refused 1');
            if (i === 4) await tx.sims.update(s.sid, { unique_name: 'held' });
            return i;
          },
          { replayable: { key: s.sid } },
        ),
      ),
    );
    assert.deepEqual(
      results.map((r) => (r.status === 'fulfilled' ? r.value : r.reason instanceof DomainError ? r.reason.code : (r.reason as Error).message)),
      [0, 'refused 1', 2, 3, 'unique_name_taken', 5],
    );
    for (const [i, s] of made.entries()) {
      const stored = await store.sims.get(s.sid);
      assert.equal(stored?.friendly_name, i === 1 || i === 4 ? undefined : `replayable ${i}`, `Sim ${i}`);
    }
    // Each ran at least once and at most twice (once in the group, once alone after its rollback).
    assert.ok(runs.every((n) => n === 1 || n === 2), `runs: ${runs.join(', ')}`);
  });

  it('never runs two of the job engine’s transactions with one key side by side', async () => {
    // Grouped transactions on PostgreSQL run side by side in one database transaction, where a
    // row lock does not keep them apart: the key must.
    const counter = sim(owner.sid, { friendly_name: '0' });
    await store.sims.insert(counter);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        store.transaction(
          async (tx) => {
            const current = await tx.sims.getForUpdate(counter.sid);
            await tx.sims.update(counter.sid, { friendly_name: String(Number(current?.friendly_name) + 1) });
          },
          { replayable: { key: counter.sid } },
        ),
      ),
    );
    assert.equal((await store.sims.get(counter.sid))?.friendly_name, '20');
  });

  it('serialises read-modify-write through getForUpdate, so no update is lost', async () => {
    const counter = sim(owner.sid, { friendly_name: '0' });
    await store.sims.insert(counter);
    const increments = 25;
    await Promise.all(
      Array.from({ length: increments }, () =>
        store.transaction(async (tx) => {
          const current = await tx.sims.getForUpdate(counter.sid);
          // Give the other transactions every chance to interleave.
          await new Promise((resolve) => setTimeout(resolve, 2));
          await tx.sims.update(counter.sid, { friendly_name: String(Number(current?.friendly_name) + 1) });
        }),
      ),
    );
    assert.equal((await store.sims.get(counter.sid))?.friendly_name, String(increments));
  });
});

describe('concurrent requests racing for one unique name', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server.close());

  it('gives one of them the name and the other a 400 (33101), never a 500', async () => {
    const cards = await server.stockSims(20);
    const sids: string[] = [];
    for (const card of cards) {
      const res = await server.request('POST', '/v1/Sims', { form: { Iccid: card.iccid, RegistrationCode: card.code } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      sids.push(res.body.sid);
    }
    for (let i = 0; i < sids.length; i += 2) {
      const name = `race-${i}`;
      const results = await Promise.all(
        [sids[i], sids[i + 1]].map((sid) => server.request('POST', `/v1/Sims/${sid}`, { form: { UniqueName: name } })),
      );
      assert.deepEqual(results.map((r) => [r.status, r.body.code ?? null]).sort(), [[200, null], [400, 33101]], JSON.stringify(results.map((r) => r.body)));
    }
  });

  it('registers a SIM card once when two requests race for it', async () => {
    const [card] = await server.stockSims(1);
    const results = await Promise.all(
      [0, 1, 2].map(() => server.request('POST', '/v1/Sims', { form: { Iccid: card.iccid, RegistrationCode: card.code } })),
    );
    const statuses = results.map((r) => r.status).sort();
    assert.equal(statuses[0], 201, JSON.stringify(results.map((r) => r.body)));
    assert.ok(results.every((r) => r.status === 201 || (r.status === 409 && r.body.code === 83003)), JSON.stringify(results.map((r) => r.body)));
  });
});
