import type { FastifyInstance } from 'fastify';
import type { CallbackDelivery, CallbackState } from '../../domain/callbacks.js';
import { type ConsoleContext, operatorOf, redirectTo, render } from '../context.js';
import { html, query, when } from '../html.js';
import { emptyForm, input, select } from '../forms.js';
import { statusBadge } from '../pages/badges.js';

// The callbacks inspector: every delivery with its request and the last answer, filters by
// SIM and state, and replay (a new delivery of the same request).

const STATES: CallbackState[] = ['pending', 'retrying', 'delivered', 'dead'];
const PAGE = 50;

const idOf = (raw: unknown) => (typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : undefined);

function detail(c: CallbackDelivery, csrf: string) {
  const params = Object.entries(c.params).map(([k, v]) => html`<tr><th scope="row">${k}</th><td class="mono">${v}</td></tr>`);
  return html`<p><a href="/console/operator/callbacks">← Callbacks</a></p>
    <h1>Callback #${c.id}</h1>
    <div class="grid">
    <section class="card"><h2>Request</h2>
      <p><span class="mono">${c.method} ${c.url}</span></p>
      <p>SIM <a class="mono" href="/console/operator/devices?sim=${c.sim_sid}">${c.sim_sid}</a>, account <span class="mono">${c.account_sid}</span>${c.replay_of !== null ? html`, replay of <a href="/console/operator/callbacks/${c.replay_of}">#${c.replay_of}</a>` : ''}</p>
      <table class="kv"><caption>${c.method === 'GET' ? 'Query' : 'Form'} parameters</caption>${params}</table>
    </section>
    <section class="card"><h2>Answer</h2>
      <p><span class="badge cb-${c.state}">${c.state}</span> after ${c.attempts} attempt${c.attempts === 1 ? '' : 's'}</p>
      ${c.attempts === 0
        ? html`<p class="muted">Not attempted yet.</p>`
        : html`<dl class="props"><div><dt>Status</dt><dd>${c.response_status ?? 'none'}</dd></div><div><dt>Error</dt><dd>${c.error ?? 'none'}</dd></div><div><dt>Took</dt><dd>${c.duration_ms ?? '?'} ms</dd></div></dl>
            <h3>Body (first 2,000 characters)</h3><pre class="body">${c.response_body ?? ''}</pre>`}
      <p class="muted">Created ${when(c.date_created)}; first attempt ${when(c.first_attempt_at)}; last ${when(c.last_attempt_at)}; next ${c.state === 'pending' || c.state === 'retrying' ? when(c.next_attempt_at) : 'none'}; delivered ${when(c.delivered_at)}.</p>
      <form method="post" action="/console/operator/callbacks/${c.id}/replay"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit">Replay</button></form>
    </section></div>`;
}

export function callbackRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const operator = { config: { access: 'operator' as const } };
  const log = cx.services.callbackLog;

  app.get('/operator/callbacks', operator, async (request, reply) => {
    const q = request.query as Record<string, unknown>;
    const simSid = typeof q.sim === 'string' && q.sim.trim() ? q.sim.trim().slice(0, 64) : undefined;
    const state = STATES.find((s) => s === q.state);
    const before = idOf(q.before);
    const items = await log.list({ simSid, state, beforeId: before, limit: PAGE });
    const form = emptyForm({ sim: simSid ?? '', state: state ?? '' });
    const rows = items.map((c) => html`<tr>
      <td><a href="/console/operator/callbacks/${c.id}">#${c.id}</a></td><td>${when(c.date_created)}</td>
      <td><a class="mono" href="/console/operator/callbacks${query({ sim: c.sim_sid })}">${c.sim_sid}</a></td>
      <td>${c.params.SimStatus ? statusBadge(c.params.SimStatus) : c.params.CommandSid ? 'Command' : ''}</td>
      <td class="mono">${c.method} ${c.url}</td><td><span class="badge cb-${c.state}">${c.state}</span></td><td>${c.attempts}</td><td>${c.response_status ?? ''}</td></tr>`);
    const next = items.length === PAGE ? `/console/operator/callbacks${query({ sim: simSid, state, before: items[items.length - 1].id })}` : null;
    const body = html`<h1>Callbacks</h1>
      <form method="get" action="/console/operator/callbacks" class="filters" data-auto-submit role="search">
        ${input({ name: 'sim', label: 'SIM SID', form, attrs: html` spellcheck="false"` })}
        ${select({ name: 'state', label: 'State', form, options: [{ value: '', label: 'Any state' }, ...STATES.map((s) => ({ value: s, label: s }))] })}
        <div class="actions"><button type="submit">Apply</button> <a href="/console/operator/callbacks">Clear</a></div>
      </form>
      ${items.length === 0
        ? html`<p class="empty">No callbacks${simSid || state ? ' match these filters' : ' yet: a status change with a CallbackUrl sends one'}.</p>`
        : html`<div class="table-wrap"><table><caption class="sr-only">Callbacks, newest first</caption><thead><tr><th scope="col">Id</th><th scope="col">Created</th><th scope="col">SIM</th><th scope="col">Reports</th><th scope="col">Request</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Answer</th></tr></thead><tbody>${rows}</tbody></table></div>`}
      <nav class="pager" aria-label="Pages of callbacks">${before !== undefined ? html`<a href="/console/operator/callbacks${query({ sim: simSid, state })}">Newest</a>` : ''}${next ? html`<a href="${next}" rel="next">Older</a>` : ''}</nav>`;
    return render(cx, request, reply, { title: 'Callbacks', section: 'callbacks' }, body);
  });

  app.get<{ Params: { id: string } }>('/operator/callbacks/:id', operator, async (request, reply) => {
    const delivery = await log.get(idOf(request.params.id) ?? 0);
    return render(cx, request, reply, { title: `Callback #${delivery.id}`, section: 'callbacks' }, detail(delivery, operatorOf(request).csrf));
  });

  app.post<{ Params: { id: string } }>('/operator/callbacks/:id/replay', operator, async (request, reply) => {
    const replay = await log.replay(idOf(request.params.id) ?? 0);
    return redirectTo(reply, `/console/operator/callbacks/${replay.id}`, `Replay #${replay.id} of callback #${request.params.id} is on its way.`);
  });
}
