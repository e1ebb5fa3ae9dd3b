import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HOUR, meteringMonth, oneMonthBefore, periodPage, resolveSpan } from '../../src/domain/devices/usage-periods.js';
import { totalsOf } from '../../src/domain/devices/usage-records.js';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const periods = (p: { start: number; end: number }[]) => p.map((x) => `${iso(x.start)}..${iso(x.end)}`);

describe('Start and End', () => {
  it('default to one month before now, and now', () => {
    const span = resolveSpan(undefined, undefined, t('2024-03-31T12:34:56Z'));
    assert.equal(iso(span.end), '2024-03-31T12:34:56.000Z');
    assert.equal(iso(span.start), '2024-02-29T12:34:56.000Z', 'a day missing in the month before is its last day');
    assert.equal(iso(span.from), '2024-02-29T12:00:00.000Z');
    assert.equal(iso(span.to), '2024-03-31T13:00:00.000Z');
  });

  it('defaults Start from the End given', () => {
    assert.equal(iso(resolveSpan(undefined, t('2024-01-15T00:00:00Z'), 0).start), '2023-12-15T00:00:00.000Z');
    assert.equal(iso(oneMonthBefore(t('2023-03-30T08:00:00Z'))), '2023-02-28T08:00:00.000Z');
  });

  it('count whole UTC hours: from the start of Start\'s hour to the end of End\'s', () => {
    const span = resolveSpan(t('2024-01-31T22:15:00Z'), t('2024-02-01T01:59:59.999Z'), 0);
    assert.equal(iso(span.from), '2024-01-31T22:00:00.000Z');
    assert.equal(iso(span.to), '2024-02-01T02:00:00.000Z');
  });

  it('refuse a Start after End, or before 1970', () => {
    assert.throws(() => resolveSpan(t('2024-02-01T00:00:00Z'), t('2024-01-31T00:00:00Z'), 0), /Start must be on or before End/);
    assert.throws(() => resolveSpan(-1, 0, 0), /1970/);
  });
});

describe('periods', () => {
  const span = resolveSpan(t('2024-01-31T22:15:00Z'), t('2024-02-02T01:10:00Z'), 0);

  it('all: one period, the whole span', () => {
    const page = periodPage(span, 'all', { limit: 50 });
    assert.deepEqual(periods(page.periods), ['2024-01-31T22:00:00.000Z..2024-02-02T02:00:00.000Z']);
    assert.equal(page.hasMore, false);
    assert.deepEqual(periodPage(span, 'all', { limit: 50, afterSeq: page.periods[0].seq }).periods, []);
  });

  it('daily: UTC days, the first and last cut to the span', () => {
    assert.deepEqual(periods(periodPage(span, 'daily', { limit: 50 }).periods), [
      '2024-01-31T22:00:00.000Z..2024-02-01T00:00:00.000Z',
      '2024-02-01T00:00:00.000Z..2024-02-02T00:00:00.000Z',
      '2024-02-02T00:00:00.000Z..2024-02-02T02:00:00.000Z',
    ]);
  });

  it('hourly: every hour of the span, paged forwards and backwards by position', () => {
    const all = periodPage(span, 'hourly', { limit: 1000 });
    assert.equal(all.periods.length, 28);
    assert.equal(all.hasMore, false);
    const first = periodPage(span, 'hourly', { limit: 10 });
    assert.equal(first.hasMore, true);
    assert.deepEqual(first.periods, all.periods.slice(0, 10));
    const second = periodPage(span, 'hourly', { limit: 10, afterSeq: first.periods[9].seq });
    assert.deepEqual(second.periods, all.periods.slice(10, 20));
    const third = periodPage(span, 'hourly', { limit: 10, afterSeq: second.periods[9].seq });
    assert.deepEqual(third.periods, all.periods.slice(20));
    assert.equal(third.hasMore, false);
    const back = periodPage(span, 'hourly', { limit: 10, beforeSeq: third.periods[0].seq });
    assert.deepEqual(back.periods, second.periods);
    assert.equal(all.periods[0].seq, t('2024-01-31T22:00:00Z') / HOUR);
  });

  it('a span of years pages without listing every hour', () => {
    const long = resolveSpan(t('2000-01-01T00:00:00Z'), t('2030-01-01T00:00:00Z'), 0);
    const page = periodPage(long, 'hourly', { limit: 3, afterSeq: t('2020-06-01T05:00:00Z') / HOUR });
    assert.deepEqual(page.periods.map((p) => iso(p.start)), ['2020-06-01T06:00:00.000Z', '2020-06-01T07:00:00.000Z', '2020-06-01T08:00:00.000Z']);
  });
});

describe('metering months', () => {
  it('start on the day of the month the SIM was first used', () => {
    const anchor = t('2024-01-15T10:00:00Z');
    assert.deepEqual([iso(meteringMonth(anchor, t('2024-03-14T23:59:59Z')).start)], ['2024-02-15T00:00:00.000Z']);
    const m = meteringMonth(anchor, t('2024-03-15T00:00:00Z'));
    assert.deepEqual([iso(m.start), iso(m.end)], ['2024-03-15T00:00:00.000Z', '2024-04-15T00:00:00.000Z']);
  });

  it('use the last day of a month that has no such day', () => {
    const anchor = t('2024-01-31T00:00:00Z');
    const feb = meteringMonth(anchor, t('2024-03-01T12:00:00Z'));
    assert.deepEqual([iso(feb.start), iso(feb.end)], ['2024-02-29T00:00:00.000Z', '2024-03-31T00:00:00.000Z']);
    const dec = meteringMonth(anchor, t('2024-01-05T00:00:00Z'));
    assert.deepEqual([iso(dec.start), iso(dec.end)], ['2023-12-31T00:00:00.000Z', '2024-01-31T00:00:00.000Z']);
  });
});

describe('totals', () => {
  it('fold rows by zone, and international rows by country', () => {
    const row = (zone: string, country: string, n: number) => ({ zone: zone as never, country, data_upload: n, data_download: 2 * n, commands_to_sim: 1, commands_from_sim: 0 });
    const totals = totalsOf([row('home', '', 1), row('home', '', 2), row('national_roaming', '', 5), row('international_roaming', 'MEX', 7), row('international_roaming', 'CAN', 3), row('international_roaming', 'MEX', 1)]);
    assert.deepEqual(totals.home, { data_upload: 3, data_download: 6, commands_to_sim: 2, commands_from_sim: 0 });
    assert.equal(totals.national_roaming.data_upload, 5);
    assert.deepEqual(totals.international_roaming.map((c) => [c.country, c.data_upload, c.commands_to_sim]), [['CAN', 3, 1], ['MEX', 8, 2]]);
  });
});
