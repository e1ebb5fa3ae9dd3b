import type { FastifyInstance } from 'fastify';
import type { RatePlan, Sim, SimStatus } from '../../domain/models.js';
import type { SimOrder } from '../../domain/ports.js';
import type { Caller } from '../../domain/caller.js';
import { type ConsoleContext, accountChoices, accountOf, render } from '../context.js';
import { type Html, html, query, when } from '../html.js';
import { emptyForm, input, select } from '../forms.js';
import { statusBadge } from '../pages/badges.js';

// The fleet: counts by status (a chart over a table that says the same), and the SIM table
// with the list filters, a search by SID or unique name, and keyset paging in indexed orders.

export const STATUSES: SimStatus[] = ['new', 'ready', 'active', 'suspended', 'deactivated', 'canceled', 'updating', 'scheduled'];

const SORTS: Record<string, { order: SimOrder; label: string }> = {
  created: { order: { by: 'created', direction: 'asc' }, label: 'Oldest first' },
  newest: { order: { by: 'created', direction: 'desc' }, label: 'Newest first' },
  iccid: { order: { by: 'iccid', direction: 'asc' }, label: 'ICCID, ascending' },
  'iccid-desc': { order: { by: 'iccid', direction: 'desc' }, label: 'ICCID, descending' },
};

const SIZES = ['25', '50', '100'];

interface FleetQuery {
  status?: string;
  plan?: string;
  iccid?: string;
  q?: string;
  sort?: string;
  size?: string;
  after?: string;
  before?: string;
}

const text = (value: unknown, max = 64) => (typeof value === 'string' && value.trim() !== '' ? value.trim().slice(0, max) : undefined);

function readQuery(raw: Record<string, unknown>): FleetQuery {
  const status = text(raw.status);
  const sort = text(raw.sort);
  const size = text(raw.size);
  return {
    status: status && (STATUSES as string[]).includes(status) ? status : undefined,
    plan: text(raw.plan),
    iccid: text(raw.iccid, 32),
    q: text(raw.q, 128),
    sort: sort && sort in SORTS ? sort : undefined,
    size: size && SIZES.includes(size) ? size : undefined,
    after: text(raw.after, 160),
    before: text(raw.before, 160),
  };
}

function chart(counts: Partial<Record<SimStatus, number>>): Html {
  const total = Object.values(counts).reduce((sum, n) => sum + (n ?? 0), 0);
  const data = STATUSES.map((status) => ({ status, count: counts[status] ?? 0 }));
  return html`<section class="card" aria-labelledby="by-status">
    <h2 id="by-status">SIMs by status <span class="muted">(${total.toLocaleString('en')} in all)</span></h2>
    <p class="hint">Counted at most every ${COUNTS_MAX_AGE_MS / 1000} seconds; the table below is read afresh.</p>
    <div class="chart-box"><canvas data-chart="status" data-chart-data="${JSON.stringify(data)}" role="img" aria-label="Bar chart of SIMs by status; the same figures are in the list below it"></canvas></div>
    <ul class="counts">
      ${data.map((d) => html`<li><a href="/console/sims${query({ status: d.status })}">${statusBadge(d.status)} <strong>${d.count.toLocaleString('en')}</strong></a></li>`)}
    </ul>
  </section>`;
}

function table(sims: Sim[], plans: Map<string, RatePlan>, csrf: string, filtered: Record<string, string | undefined>): Html {
  if (sims.length === 0) return html`<p class="empty">No SIM matches. Clear a filter, or register SIMs through the API (POST /v1/Sims).</p>`;
  // The selected rows, or every SIM matching the filters, go to a bulk change (routes/bulk.ts).
  const hasFilter = filtered.status !== undefined || filtered.plan !== undefined || filtered.iccid !== undefined;
  return html`<form id="fleet-selection" method="post" action="/console/sims/selection" class="selection">
    <input type="hidden" name="_csrf" value="${csrf}">
    <div class="actions">
      <button type="submit" class="secondary" data-bulk-selected>Change the selected SIMs…</button>
      ${hasFilter ? html`<a href="/console/bulk/new${query({ status: filtered.status, plan: filtered.plan, iccid: filtered.iccid })}" data-bulk-all>Change all SIMs matching these filters…</a>` : ''}
      <a href="/console/bulk">Bulk changes</a>
    </div>
    <div class="table-wrap"><table>
      <caption class="sr-only">SIMs</caption>
      <thead><tr>
        <th scope="col"><span class="sr-only">Select</span></th>
        <th scope="col">SID</th><th scope="col">Unique name</th><th scope="col">ICCID</th>
        <th scope="col">Status</th><th scope="col">Rate plan</th><th scope="col">Updated</th>
      </tr></thead>
      <tbody>
        ${sims.map((sim) => {
          const plan = sim.rate_plan_sid ? plans.get(sim.rate_plan_sid) : undefined;
          return html`<tr>
            <td><input type="checkbox" name="sim" value="${sim.sid}" aria-label="Select ${sim.unique_name ?? sim.sid}"></td>
            <td><a href="/console/sims/${sim.sid}" class="mono">${sim.sid}</a></td>
            <td>${sim.unique_name ?? html`<span class="muted">none</span>`}</td>
            <td class="mono">${sim.iccid}</td>
            <td>${statusBadge(sim.status)}</td>
            <td>${plan ? (plan.unique_name ?? plan.sid) : sim.rate_plan_sid ? sim.rate_plan_sid : html`<span class="muted">none</span>`}</td>
            <td>${when(sim.date_updated)}</td>
          </tr>`;
        })}
      </tbody>
    </table></div>
  </form>`;
}

/** How long the counts by status of an account are reused: counting 100,000 SIMs takes a while. */
export const COUNTS_MAX_AGE_MS = 2000;

/** The counts by status per account, read at most every COUNTS_MAX_AGE_MS by this process. */
function countsCache(cx: ConsoleContext) {
  const cache = new Map<string, { at: number; counts: Promise<Partial<Record<SimStatus, number>>> }>();
  return (caller: Caller) => {
    const now = Date.now();
    const hit = cache.get(caller.account.sid);
    if (hit && now - hit.at < COUNTS_MAX_AGE_MS) return hit.counts;
    if (cache.size >= 1000) cache.clear();
    const counts = cx.services.sims.countByStatus(caller);
    cache.set(caller.account.sid, { at: now, counts });
    counts.catch(() => cache.delete(caller.account.sid));
    return counts;
  };
}

export function fleetRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const countsOf = countsCache(cx);
  app.get('/sims', { config: { access: 'account' } }, async (request, reply) => {
    const { caller, csrf } = accountOf(request);
    const q = readQuery(request.query as Record<string, unknown>);
    const sort = SORTS[q.sort ?? 'created'];
    // Sorting by ICCID within one rate plan would need an index of its own: created order then.
    const order = q.plan && sort.order.by === 'iccid' ? SORTS.created.order : sort.order;
    const limit = Number(q.size ?? '50');
    // A key that cannot be a position in this order is dropped: the first page, not an error.
    const keyShape = q.q ? /^[^\n]{1,160}$/ : order.by === 'iccid' ? /^\d{1,22}$/ : /^\d{1,16}$/;
    const cursor = { after: q.after && keyShape.test(q.after) ? q.after : undefined, before: q.before && keyShape.test(q.before) ? q.before : undefined };
    const [counts, plans, page, accounts] = await Promise.all([
      countsOf(caller),
      cx.services.ratePlans.list(caller, { limit: 200 }),
      cx.services.sims.browse(caller, { status: q.status as SimStatus | undefined, ratePlan: q.plan, iccid: q.iccid, search: q.q }, order, cursor, limit),
      accountChoices(cx, request),
    ]);
    const planMap = new Map(plans.items.map((p) => [p.sid, p]));
    const filters = { status: q.status, plan: q.plan, iccid: q.iccid, q: q.q, sort: q.sort, size: q.size };
    const paged = cursor.after !== undefined || cursor.before !== undefined;
    const backwards = cursor.before !== undefined;
    const first = page.keys[0];
    const last = page.keys[page.keys.length - 1];
    const next = (backwards ? last !== undefined : page.hasMore) && last !== undefined ? `/console/sims${query({ ...filters, after: last })}` : null;
    const previous = (backwards ? page.hasMore : paged) && first !== undefined ? `/console/sims${query({ ...filters, before: first })}` : null;
    const form = emptyForm(Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, v ?? ''])));
    const planOptions = [{ value: '', label: 'Any rate plan' }, ...plans.items.map((p) => ({ value: p.sid, label: p.unique_name ?? p.friendly_name ?? p.sid }))];
    const body = html`<h1>Fleet of ${caller.account.friendly_name}</h1>
      ${chart(counts)}
      <section aria-labelledby="sims-title">
        <h2 id="sims-title">SIMs</h2>
        <form method="get" action="/console/sims" class="filters" data-auto-submit role="search">
          ${input({ name: 'q', label: 'Search: SID or start of unique name', type: 'search', form, attrs: html` spellcheck="false"` })}
          ${select({ name: 'status', label: 'Status', form, options: [{ value: '', label: 'Any status' }, ...STATUSES.map((s) => ({ value: s, label: s }))] })}
          ${select({ name: 'plan', label: 'Rate plan', form, options: planOptions })}
          ${input({ name: 'iccid', label: 'ICCID', form, attrs: html` inputmode="numeric" spellcheck="false"` })}
          ${select({ name: 'sort', label: 'Order', form, hint: q.q ? 'A search lists in unique-name order.' : q.plan ? 'Within a rate plan, SIMs list in created order.' : undefined, options: Object.entries(SORTS).map(([value, s]) => ({ value, label: s.label })) })}
          ${select({ name: 'size', label: 'Per page', form, value: q.size ?? '50', options: SIZES.map((s) => ({ value: s, label: s })) })}
          <div class="actions"><button type="submit">Apply</button> <a href="/console/sims">Clear</a></div>
        </form>
        ${table(page.items, planMap, csrf, { status: q.status, plan: q.plan, iccid: q.iccid })}
        <nav class="pager" aria-label="Pages of SIMs">
          ${paged ? html`<a href="/console/sims${query(filters)}">First page</a>` : ''}
          ${previous ? html`<a href="${previous}" rel="prev">Previous</a>` : ''}
          ${next ? html`<a href="${next}" rel="next">Next</a>` : ''}
        </nav>
      </section>`;
    return render(cx, request, reply, { title: 'Fleet', section: 'fleet', accounts }, body);
  });
}
