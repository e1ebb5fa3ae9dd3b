import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { batchedLookup } from '../../src/store/tuning/batch.js';

// Coalesced lookups (src/store/tuning/batch.ts) over a fake table whose fetches we can hold open.

interface Row {
  id: string;
  value: number;
}

function fakeTable(rows: Row[]) {
  const table = new Map(rows.map((row) => [row.id, { ...row }]));
  const fetches: string[][] = [];
  let hold: Promise<void> | null = null;
  let failWith: Error | null = null;
  const load = batchedLookup<string, Row>({
    maxBatch: 3,
    keyOf: (row) => row.id,
    async fetch(keys) {
      fetches.push(keys);
      // Read the table when the query is sent, as a database would.
      const found = keys.flatMap((key) => (table.has(key) ? [{ ...table.get(key)! }] : []));
      if (hold) await hold;
      if (failWith) throw failWith;
      return found.reverse(); // in no particular order
    },
  });
  return {
    load,
    fetches,
    table,
    holdFetches() {
      let release = () => {};
      hold = new Promise<void>((resolve) => (release = resolve));
      return () => {
        hold = null;
        release();
      };
    },
    failFetches(error: Error | null) {
      failWith = error;
    },
  };
}

const waitForImmediate = () => new Promise((resolve) => setImmediate(resolve));

describe('batched lookups', () => {
  it('answers concurrent lookups with one fetch, each caller its own row', async () => {
    const t = fakeTable([{ id: 'a', value: 1 }, { id: 'b', value: 2 }, { id: 'c', value: 3 }]);
    const results = await Promise.all([t.load('c'), t.load('a'), t.load('missing'), t.load('a')]);
    assert.deepEqual(results, [{ id: 'c', value: 3 }, { id: 'a', value: 1 }, undefined, { id: 'a', value: 1 }]);
    assert.deepEqual(t.fetches, [['c', 'a', 'missing']]);
  });

  it('splits more keys than a batch holds over several fetches', async () => {
    const t = fakeTable(['a', 'b', 'c', 'd', 'e'].map((id, value) => ({ id, value })));
    const results = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((id) => t.load(id)));
    assert.deepEqual(results.map((row) => row?.value), [0, 1, 2, 3, 4]);
    assert.deepEqual(t.fetches, [['a', 'b', 'c'], ['d', 'e']]);
  });

  it('never joins a fetch already sent: a lookup asked after a write sees it', async () => {
    const t = fakeTable([{ id: 'a', value: 1 }]);
    const release = t.holdFetches();
    const before = t.load('a');
    await waitForImmediate(); // the first fetch is now in flight, having read value 1
    t.table.set('a', { id: 'a', value: 2 }); // a write commits
    const afterWrite = t.load('a');
    release();
    assert.equal((await before)?.value, 1);
    assert.equal((await afterWrite)?.value, 2);
    assert.deepEqual(t.fetches, [['a'], ['a']]);
  });

  it('rejects every caller of a failed fetch, and later lookups fetch again', async () => {
    const t = fakeTable([{ id: 'a', value: 1 }]);
    t.failFetches(new Error('connection lost'));
    const failed = await Promise.allSettled([t.load('a'), t.load('b'), t.load('a')]);
    assert.deepEqual(failed.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
    for (const r of failed) assert.match(String((r as PromiseRejectedResult).reason), /connection lost/);
    t.failFetches(null);
    assert.deepEqual(await t.load('a'), { id: 'a', value: 1 });
  });
});
