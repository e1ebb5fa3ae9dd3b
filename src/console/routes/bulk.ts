import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clientIp } from '../../http/context.js';
import { answerFor } from '../../http/errors.js';
import { type ConsoleContext, accountChoices, accountOf, redirectTo, render } from '../context.js';
import { html, when } from '../html.js';
import { type FormState, emptyForm, isRefusal, posted, refusal } from '../forms.js';
import { setSecurityHeaders } from '../plugin.js';
import type { Preview } from '../../domain/batches/preview.js';
import { FILTER_FIELDS, type Selection, changeForm, describeSelection, previewPart, progressPart, requestOf } from '../pages/bulk-parts.js';

// Bulk changes from the fleet page (docs/bulk.md): the rows selected, or every SIM matching the
// fleet's filters; a preview that changes nothing; then the batch's progress, live.

type BySid = { Params: { sid: string } };
const FINISHED = ['completed', 'canceled', 'failed'];

/** Every value of a posted field (a repeated field is a list). */
function all(request: FastifyRequest, name: string): string[] {
  const value = (request.body as Record<string, unknown> | undefined)?.[name];
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return list.filter((v): v is string => typeof v === 'string' && v !== '');
}

/** The selection a step posted again. */
function postedSelection(request: FastifyRequest, values: Record<string, string>): Selection | null {
  const sims = all(request, 'sim');
  if (sims.length > 0) return { sims };
  const filter = Object.fromEntries(FILTER_FIELDS.filter((f) => values[`filter_${f}`]).map((f) => [f, values[`filter_${f}`]]));
  return Object.keys(filter).length > 0 ? filter : null;
}

function startAtOf(values: Record<string, string>): number | undefined {
  const raw = values.start_at?.trim();
  if (!raw) return undefined;
  const at = Date.parse(raw);
  if (Number.isNaN(at)) throw Object.assign(new Error('bad start'), { startAt: raw });
  return at;
}

export function bulkRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const account = { config: { access: 'account' as const } };
  const { batches, ratePlans } = cx.services;

  async function formPage(request: FastifyRequest, reply: FastifyReply, selection: Selection, form: FormState, preview: Preview | null, status = 200) {
    const { caller, csrf } = accountOf(request);
    const [plans, accounts] = await Promise.all([ratePlans.list(caller, { limit: 200 }), accountChoices(cx, request)]);
    const body = html`<p><a href="/console/sims">← Fleet</a></p>
      <h1>Change many SIMs</h1>
      <p data-selection>This changes ${describeSelection(selection)}. Each SIM follows its own rules, as if changed alone: one that cannot change is reported, not forced.</p>
      ${preview ? previewPart(preview) : ''}
      ${changeForm(selection, plans.items, csrf, form, preview)}`;
    return render(cx, request, reply, { title: 'Change many SIMs', section: 'fleet', accounts }, body, status);
  }

  app.post('/sims/selection', account, async (request, reply) => {
    const sims = all(request, 'sim');
    if (sims.length === 0) return redirectTo(reply, '/console/sims', 'Select SIMs first, or change every SIM matching the filters.');
    return formPage(request, reply, { sims }, emptyForm(), null);
  });

  app.get('/bulk/new', account, async (request, reply) => {
    const raw = request.query as Record<string, unknown>;
    const selection: Selection = Object.fromEntries(FILTER_FIELDS.filter((f) => typeof raw[f] === 'string' && raw[f] !== '').map((f) => [f, String(raw[f]).slice(0, 64)]));
    if (Object.keys(selection).length === 0) return redirectTo(reply, '/console/sims', 'Filter the fleet first: a bulk change over every SIM needs a filter.');
    return formPage(request, reply, selection, emptyForm(), null);
  });

  /** Previews (`start` false) or starts the batch; a refusal shows next to the form. */
  const step = (start: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const { caller } = accountOf(request);
    const values = posted(request);
    const selection = postedSelection(request, values);
    if (!selection) return redirectTo(reply, '/console/sims', 'Select SIMs first, or change every SIM matching the filters.');
    try {
      const req = requestOf(selection, values, startAtOf(values));
      if (!start) return await formPage(request, reply, selection, emptyForm(values), await batches.preview(caller, req));
      const { batch } = await batches.create(caller, req, undefined, clientIp(request));
      return redirectTo(reply, `/console/bulk/${batch.sid}`, `Batch ${batch.sid} created for ${batch.total.toLocaleString('en')} SIMs.`);
    } catch (error) {
      const startAt = (error as { startAt?: string }).startAt;
      if (startAt !== undefined) return formPage(request, reply, selection, { values, errors: { start_at: `"${startAt}" is not an ISO 8601 date-time` } }, null, 422);
      if (!isRefusal(error)) throw error;
      return formPage(request, reply, selection, refusal(error, values, { status: 'Status', rate_plan: 'RatePlan', start_at: 'StartAt' }, '/wisp/v1/SimBatches'), null, 422);
    }
  };
  app.post('/bulk/preview', account, step(false));
  app.post('/bulk/start', account, step(true));

  const progress = async (request: FastifyRequest<BySid>) => {
    const { caller, csrf } = accountOf(request);
    const batch = await batches.fetch(caller, request.params.sid);
    return { batch, fragment: progressPart(batch, await batches.refusals(batch), csrf) };
  };

  app.get('/bulk', account, async (request, reply) => {
    const { caller } = accountOf(request);
    const [page, accounts] = await Promise.all([batches.list(caller, undefined, { limit: 50 }), accountChoices(cx, request)]);
    const rows = page.items.map((b) => html`<tr><td><a class="mono" href="/console/bulk/${b.sid}">${b.sid}</a></td><td>${b.status}</td><td>${b.total}</td><td>${b.applied}</td><td>${b.refused}</td><td>${when(b.date_created)}</td></tr>`);
    const body = html`<h1>Bulk changes</h1><p>Start one from the <a href="/console/sims">fleet</a>: select rows, or change every SIM matching its filters.</p>
      ${page.items.length === 0 ? html`<p class="empty">No batch yet.</p>` : html`<div class="table-wrap"><table><thead><tr><th scope="col">Batch</th><th scope="col">Status</th><th scope="col">SIMs</th><th scope="col">Applied</th><th scope="col">Refused</th><th scope="col">Created</th></tr></thead><tbody>${rows}</tbody></table></div>`}`;
    return render(cx, request, reply, { title: 'Bulk changes', section: 'fleet', accounts }, body);
  });

  app.get<BySid>('/bulk/:sid', account, async (request, reply) => {
    const { batch, fragment } = await progress(request);
    const running = !FINISHED.includes(batch.status);
    const body = html`<p><a href="/console/bulk">← Bulk changes</a></p>
      <h1>Batch <span class="mono">${batch.sid}</span></h1>
      <div id="live" aria-live="polite"${running ? html` data-live="/console/bulk/${batch.sid}/live"` : ''}>${fragment}</div>`;
    const head = running ? html`<noscript><meta http-equiv="refresh" content="2"></noscript>` : undefined;
    return render(cx, request, reply, { title: `Batch ${batch.sid}`, section: 'fleet', head, accounts: await accountChoices(cx, request) }, body);
  });

  app.get<BySid>('/bulk/:sid/live', account, async (request, reply) => {
    const { signedIn } = accountOf(request);
    const headers: Record<string, string> = {};
    setSecurityHeaders({ header: (name: string, value: string) => (headers[name] = value) });
    await cx.live.stream(request, reply, signedIn.session.id_hash, cx.http.config.console.livePollMs, headers, {
      async read() {
        await cx.services.time.clock.refresh();
        const { batch, fragment } = await progress(request);
        return { fragment: String(fragment), changing: !FINISHED.includes(batch.status) };
      },
    });
  });

  app.post<BySid>('/bulk/:sid/cancel', account, async (request, reply) => {
    const { caller } = accountOf(request);
    try {
      const batch = await batches.cancel(caller, request.params.sid);
      return redirectTo(reply, `/console/bulk/${batch.sid}`, `Canceled: ${batch.skipped.toLocaleString('en')} SIMs skipped.`);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return redirectTo(reply, `/console/bulk/${request.params.sid}`, (error as Error).message);
    }
  });

  app.get<BySid>('/bulk/:sid/refused', account, async (request, reply) => {
    const { caller } = accountOf(request);
    const page = await batches.items(caller, request.params.sid, 'refused', { limit: 1000 });
    const rows = page.items.map((i) => html`<tr><td>${i.position}</td><td class="mono">${i.sim_sid ?? i.sim_ref}</td><td>${i.error_reason ? answerFor(i.error_reason, '/v1/Sims').code : ''}</td><td>${i.error_message}</td></tr>`);
    const body = html`<p><a href="/console/bulk/${request.params.sid}">← Batch</a></p><h1>Refused SIMs</h1>
      <div class="table-wrap"><table><thead><tr><th scope="col">#</th><th scope="col">SIM</th><th scope="col">Error</th><th scope="col">Why</th></tr></thead><tbody>${rows}</tbody></table></div>
      ${page.hasMore ? html`<p class="hint">The first 1,000; GET /wisp/v1/SimBatches/${request.params.sid}/Items?Outcome=refused lists them all.</p>` : ''}`;
    return render(cx, request, reply, { title: 'Refused SIMs', section: 'fleet', accounts: await accountChoices(cx, request) }, body);
  });
}
