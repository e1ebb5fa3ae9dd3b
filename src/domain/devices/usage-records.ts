import type { Repos } from '../ports.js';
import type { UsageSumRow } from './device-ports.js';
import type { Clock } from '../clock.js';
import { type Caller } from '../caller.js';
import type { Page, PageQuery } from '../models.js';
import type { Zone } from './device-models.js';
import { type Granularity, HOUR, DAY, periodPage, resolveSpan, type Span } from './usage-periods.js';
import type { SimService } from '../sims/service.js';

// Usage Records: sums of the hourly aggregates kept per SIM and per account (never a scan of
// raw sessions). A record is one period's totals, split by where the usage happened.

export interface ZoneTotals {
  data_upload: number;
  data_download: number;
  commands_to_sim: number;
  commands_from_sim: number;
}

export interface UsageTotals {
  home: ZoneTotals;
  national_roaming: ZoneTotals;
  /** One entry per country, in country order. */
  international_roaming: (ZoneTotals & { country: string })[];
}

export interface UsageRecord {
  account_sid: string;
  sim_sid: string | null;
  period: { start: number; end: number };
  usage: UsageTotals;
}

const zero = (): ZoneTotals => ({ data_upload: 0, data_download: 0, commands_to_sim: 0, commands_from_sim: 0 });

function add(into: ZoneTotals, row: ZoneTotals): void {
  into.data_upload += row.data_upload;
  into.data_download += row.data_download;
  into.commands_to_sim += row.commands_to_sim;
  into.commands_from_sim += row.commands_from_sim;
}

/** Folds aggregate rows (any number per zone and country) into one period's totals. */
export function totalsOf(rows: Iterable<Pick<UsageSumRow, Exclude<keyof UsageSumRow, 'bucket'>>>): UsageTotals {
  const totals: UsageTotals = { home: zero(), national_roaming: zero(), international_roaming: [] };
  const abroad = new Map<string, ZoneTotals & { country: string }>();
  for (const row of rows) {
    if (row.zone === 'international_roaming') {
      let entry = abroad.get(row.country);
      if (!entry) abroad.set(row.country, (entry = { country: row.country, ...zero() }));
      add(entry, row);
    } else add(totals[row.zone as Exclude<Zone, 'international_roaming'>], row);
  }
  totals.international_roaming = [...abroad.values()].sort((a, b) => a.country.localeCompare(b.country));
  return totals;
}

export interface UsageQuery {
  start?: number;
  end?: number;
  granularity: Granularity;
}

export class UsageService {
  constructor(
    private readonly store: Repos<'usage' | 'sims' | 'accounts' | 'ratePlans'>,
    private readonly clock: Clock,
    private readonly sims: SimService,
  ) {}

  /** The span a query covers, with defaults applied; list links carry it so later pages agree. */
  span(query: UsageQuery): Span {
    return resolveSpan(query.start, query.end, this.clock.now());
  }

  async forSim(caller: Caller, simRef: string, span: Span, granularity: Granularity, page: PageQuery): Promise<Page<UsageRecord>> {
    const sim = await this.sims.fetch(caller, simRef);
    return this.records(sim.sid, { account_sid: sim.account_sid, sim_sid: sim.sid }, span, granularity, page);
  }

  /** The caller's own account, without its subaccounts (each account's usage is its own). */
  forAccount(caller: Caller, span: Span, granularity: Granularity, page: PageQuery): Promise<Page<UsageRecord>> {
    return this.records(caller.account.sid, { account_sid: caller.account.sid, sim_sid: null }, span, granularity, page);
  }

  private async records(
    scope: string,
    owner: { account_sid: string; sim_sid: string | null },
    span: Span,
    granularity: Granularity,
    page: PageQuery,
  ): Promise<Page<UsageRecord>> {
    const { periods, hasMore } = periodPage(span, granularity, page);
    if (periods.length === 0) return { items: [], hasMore };
    const step = granularity === 'hourly' ? HOUR : granularity === 'daily' ? DAY : null;
    const from = periods[0].start;
    const to = periods[periods.length - 1].end;
    const rows = await this.store.usage.sum(scope, from, to, step);
    const byBucket = new Map<number, UsageSumRow[]>();
    for (const row of rows) {
      const key = step === null ? from : row.bucket;
      byBucket.set(key, [...(byBucket.get(key) ?? []), row]);
    }
    const items = periods.map((p) => {
      const key = step === null ? from : Math.floor(p.start / step) * step;
      return { ...owner, period: { start: p.start, end: p.end }, usage: totalsOf(byBucket.get(key) ?? []), seq: p.seq };
    });
    return { items, hasMore };
  }
}
