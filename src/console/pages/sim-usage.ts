import type { Caller } from '../../domain/caller.js';
import type { Services } from '../../domain/services.js';
import type { Sim } from '../../domain/models.js';
import type { UsageRecord } from '../../domain/devices/usage-records.js';
import type { DataSession } from '../../domain/devices/device-models.js';
import { DAY, floorTo } from '../../domain/devices/usage-periods.js';
import { type Html, bytes, html, isoTime, when } from '../html.js';

// A Sim's data use: per day over the last 30 emulated days, per hour for a chosen day, and its
// latest data sessions.

export interface UsageView {
  days: { label: string; bytes: number }[];
  /** The chosen day (YYYY-MM-DD) and its hours, or null. */
  day: { date: string; hours: { label: string; bytes: number }[] } | null;
  sessions: DataSession[];
}

const dataOf = (r: UsageRecord) => {
  const u = r.usage;
  return [u.home, u.national_roaming, ...u.international_roaming].reduce((n, z) => n + z.data_upload + z.data_download, 0);
};

/** A YYYY-MM-DD date as the first millisecond of that UTC day, or null. */
export function dayOf(value: unknown): number | null {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return null;
  const t = Date.parse(`${value}T00:00:00Z`);
  return Number.isNaN(t) || isoTime(t).slice(0, 10) !== value ? null : t;
}

export async function usageOf(services: Services, caller: Caller, sim: Sim, now: number, chosenDay: number | null): Promise<UsageView> {
  const today = floorTo(now, DAY);
  const span = { start: today - 29 * DAY, end: now, from: today - 29 * DAY, to: floorTo(now, 3_600_000) + 3_600_000 };
  const hourSpan = chosenDay === null ? null : { start: chosenDay, end: chosenDay + DAY - 1, from: chosenDay, to: chosenDay + DAY };
  const [daily, hourly, sessions] = await Promise.all([
    services.usage.forSim(caller, sim.sid, span, 'daily', { limit: 31 }),
    hourSpan ? services.usage.forSim(caller, sim.sid, hourSpan, 'hourly', { limit: 25 }) : null,
    services.dataSessions.list(caller, sim.sid, {}, { beforeSeq: Number.MAX_SAFE_INTEGER, limit: 20 }),
  ]);
  return {
    days: daily.items.map((r) => ({ label: isoTime(r.period.start).slice(0, 10), bytes: dataOf(r) })),
    day: hourly && chosenDay !== null ? { date: isoTime(chosenDay).slice(0, 10), hours: hourly.items.map((r) => ({ label: isoTime(r.period.start).slice(11, 16), bytes: dataOf(r) })) } : null,
    sessions: [...sessions.items].reverse(),
  };
}

function barChart(id: string, label: string, points: { label: string; bytes: number }[]): Html {
  const total = points.reduce((n, p) => n + p.bytes, 0);
  return html`<div class="chart-box"><canvas data-chart="usage" data-chart-data="${JSON.stringify(points)}" role="img" aria-label="${label}: ${bytes(total)} in all; the table below has each figure" id="${id}"></canvas></div>`;
}

export function usageSection(sim: Sim, view: UsageView): Html {
  const dayLinks = view.days.map((d) => html`<tr><th scope="row"><a href="/console/sims/${sim.sid}?day=${d.label}#usage">${d.label}</a></th><td>${bytes(d.bytes)}</td></tr>`);
  return html`<section class="card" id="usage" aria-labelledby="usage-title">
    <h2 id="usage-title">Data use, last 30 days</h2>
    ${barChart('usage-days', 'Data per day over the last 30 days', view.days)}
    <details><summary>Figures per day (choose a day to see it by hour)</summary>
      <table class="kv"><thead><tr><th scope="col">Day (UTC)</th><th scope="col">Data</th></tr></thead><tbody>${dayLinks}</tbody></table>
    </details>
    <form method="get" action="/console/sims/${sim.sid}#usage" class="inline">
      <label for="usage-day">Day by hour</label>
      <input id="usage-day" type="date" name="day" value="${view.day?.date ?? ''}">
      <button type="submit" class="secondary">Show</button>
    </form>
    ${view.day
      ? html`<h3>${view.day.date} by hour (UTC)</h3>
          ${barChart('usage-hours', `Data per hour on ${view.day.date}`, view.day.hours)}
          <details><summary>Figures per hour</summary><table class="kv"><tbody>${view.day.hours.map((h) => html`<tr><th scope="row">${h.label}</th><td>${bytes(h.bytes)}</td></tr>`)}</tbody></table></details>`
      : ''}
  </section>`;
}

export function sessionsSection(view: UsageView): Html {
  const rows = view.sessions.map(
    (s) => html`<tr><td>${when(s.start)}</td><td>${Math.round((s.end - s.start) / 1000)} s</td><td>${bytes(s.bytes_uploaded)}</td><td>${bytes(s.bytes_downloaded)}</td><td>${s.operator_name} (${s.operator_country})</td><td>${s.radio_link}</td></tr>`,
  );
  return html`<section class="card" aria-labelledby="sessions-title">
    <h2 id="sessions-title">Data sessions</h2>
    ${rows.length === 0
      ? html`<p class="empty">No data sessions yet. The device simulator (operator pages) can use data.</p>`
      : html`<div class="table-wrap"><table><caption class="sr-only">Latest data sessions, newest first</caption>
          <thead><tr><th scope="col">Started</th><th scope="col">Length</th><th scope="col">Up</th><th scope="col">Down</th><th scope="col">Network</th><th scope="col">Radio</th></tr></thead>
          <tbody>${rows}</tbody></table></div>`}
  </section>`;
}
