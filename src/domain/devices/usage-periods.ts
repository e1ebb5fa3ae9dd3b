import { invalid } from '../errors.js';
import type { PageQuery } from '../models.js';

// The time arithmetic of Usage Records, in UTC. Pure: no I/O; "now" is passed in.
//
// Usage is kept by the UTC hour in which it occurred, so Start and End are honoured to the hour:
// the span counted runs from the start of Start's hour to the end of End's hour. Hourly and
// daily records cut that span at UTC hour and day boundaries; each record's period is the part
// of its hour or day inside the span, so the first and last daily periods may be partial days.

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export type Granularity = 'hourly' | 'daily' | 'all';
export const GRANULARITIES: readonly Granularity[] = ['hourly', 'daily', 'all'];

export interface Span {
  /** The Start and End asked for (or defaulted), epoch milliseconds. */
  start: number;
  end: number;
  /** The hours counted: [from, to). */
  from: number;
  to: number;
}

export interface Period {
  /** Orders periods and marks a paging position: the period's first hour, in hours since the epoch. */
  seq: number;
  start: number;
  end: number;
}

export const floorTo = (t: number, step: number): number => Math.floor(t / step) * step;

/** The same moment one calendar month earlier, on the last day of that month if the day is missing. */
export function oneMonthBefore(t: number): number {
  const d = new Date(t);
  const year = d.getUTCFullYear();
  const month = d.getUTCMonth() - 1;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay), d.getUTCHours(), d.getUTCMinutes(), d.getUTCSeconds(), d.getUTCMilliseconds());
}

/** Applies the documented defaults (End: now; Start: one month before End) and checks the pair. */
export function resolveSpan(start: number | undefined, end: number | undefined, now: number): Span {
  const e = end ?? now;
  const s = start ?? oneMonthBefore(e);
  if (s < 0) throw invalid('Start must not be before 1970-01-01T00:00:00Z');
  if (s > e) throw invalid('Start must be on or before End');
  return { start: s, end: e, from: floorTo(s, HOUR), to: floorTo(e, HOUR) + HOUR };
}

const stepOf = (g: Exclude<Granularity, 'all'>) => (g === 'hourly' ? HOUR : DAY);

/**
 * One page of periods, in time order. Paging positions are period seqs, so a page is computed
 * from its position alone, however long the span.
 */
export function periodPage(span: Span, granularity: Granularity, page: PageQuery): { periods: Period[]; hasMore: boolean } {
  if (granularity === 'all') {
    const seq = span.from / HOUR;
    const after = page.afterSeq !== undefined && page.afterSeq >= seq;
    const before = page.beforeSeq !== undefined && page.beforeSeq <= seq;
    return { periods: after || before ? [] : [{ seq, start: span.from, end: span.to }], hasMore: false };
  }
  const step = stepOf(granularity);
  const first = floorTo(span.from, step);
  const last = floorTo(span.to - 1, step);
  const period = (b: number): Period => ({ seq: b / HOUR, start: Math.max(b, span.from), end: Math.min(b + step, span.to) });
  const buckets: number[] = [];
  if (page.beforeSeq !== undefined) {
    const top = Math.min(last, floorTo(page.beforeSeq * HOUR - 1, step));
    for (let b = top; b >= first && buckets.length <= page.limit; b -= step) buckets.push(b);
    const hasMore = buckets.length > page.limit;
    if (hasMore) buckets.pop();
    return { periods: buckets.reverse().map(period), hasMore };
  }
  const begin = page.afterSeq === undefined ? first : Math.max(first, floorTo(page.afterSeq * HOUR, step) + step);
  for (let b = begin; b <= last && buckets.length <= page.limit; b += step) buckets.push(b);
  const hasMore = buckets.length > page.limit;
  if (hasMore) buckets.pop();
  return { periods: buckets.map(period), hasMore };
}

/**
 * The metering month that contains `at`: it starts at 00:00 UTC on the day of the month the SIM
 * first used the network (the month's last day when that day does not exist) and ends where the
 * next one starts.
 */
export function meteringMonth(anchor: number, at: number): { start: number; end: number } {
  const day = new Date(anchor).getUTCDate();
  const startIn = (year: number, month: number) => {
    const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    return Date.UTC(year, month, Math.min(day, lastDay));
  };
  const d = new Date(at);
  let year = d.getUTCFullYear();
  let month = d.getUTCMonth();
  if (startIn(year, month) > at) {
    month -= 1;
    if (month < 0) {
      month = 11;
      year -= 1;
    }
  }
  const start = startIn(year, month);
  const end = month === 11 ? startIn(year + 1, 0) : startIn(year, month + 1);
  return { start, end };
}
