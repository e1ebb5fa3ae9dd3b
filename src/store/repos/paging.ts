import type { SelectQueryBuilder } from 'kysely';
import type { Page, PageQuery } from '../../domain/models.js';

type Row = { seq: number };

/**
 * Keyset paging over the `seq` column: the cost of a page does not depend on how deep it is.
 * Backward pages are read in reverse and flipped, so items are always in ascending order.
 */
export async function keysetPage<DB, TB extends keyof DB, O extends Row>(
  query: SelectQueryBuilder<DB, TB, O>,
  seqColumn: string,
  page: PageQuery,
): Promise<{ rows: O[]; hasMore: boolean }> {
  const ref = seqColumn as never;
  let q = query;
  if (page.beforeSeq !== undefined) {
    q = q.where(ref, '<', page.beforeSeq as never).orderBy(ref, 'desc');
  } else {
    if (page.afterSeq !== undefined) q = q.where(ref, '>', page.afterSeq as never);
    q = q.orderBy(ref, 'asc');
  }
  const rows = await q.limit(page.limit + 1).execute();
  const hasMore = rows.length > page.limit;
  if (hasMore) rows.pop();
  if (page.beforeSeq !== undefined) rows.reverse();
  return { rows, hasMore };
}

export function toPage<R extends Row, T>(result: { rows: R[]; hasMore: boolean }, map: (row: R) => T): Page<T> {
  // `map` returns a fresh object: add seq to it rather than copy it again.
  const items = result.rows.map((row) => Object.assign(map(row) as T & object, { seq: row.seq }));
  return { items: items as Page<T>['items'], hasMore: result.hasMore };
}
