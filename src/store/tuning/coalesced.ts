import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../schema.js';
import { compiledQuery } from '../../lib/compiled-query.js';
import { batchedLookup } from './batch.js';

/**
 * Reads of rows by key outside a transaction, coalesced: the reads that arrive together share
 * one `where key in (…)` (batch.ts). A read joins only a query sent after it was asked, so it
 * sees every write committed before. One compiled statement per list length (src/lib/compiled-query.ts);
 * `maxBatch` stays under pg-statements.ts's limit so each is a named prepared statement.
 */
export function coalescedReads<K extends string | number, R>(
  db: Kysely<Database>,
  options: {
    /** The rows whose key is one of `keys`. */
    select: (db: Kysely<Database>, keys: K[]) => SelectQueryBuilder<Database, keyof Database, R>;
    keyOf: (row: R) => K;
    maxBatch: number;
  },
): (key: K) => Promise<R | undefined> {
  const { select, keyOf, maxBatch } = options;
  const byCount = Array.from({ length: maxBatch + 1 }, (_, n) =>
    compiledQuery((db: Kysely<Database>, p: Record<string, K>) => select(db, Array.from({ length: n }, (_, i) => p[i]))),
  );
  return batchedLookup<K, R>({
    maxBatch,
    // A second query may start while one is on its way, so the wait for the database's answer
    // does not hold back the reads that arrive meanwhile.
    maxInFlight: 2,
    fetch: (keys) => byCount[keys.length].all(db, Object.fromEntries(keys.map((key, i) => [i, key]))),
    keyOf,
  });
}
