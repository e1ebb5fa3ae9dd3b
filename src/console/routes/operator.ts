import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { addMonths } from '../../domain/sims/lifecycle.js';
import { parseNetworkChange } from '../../admin/network-body.js';
import { invalid } from '../../domain/errors.js';
import { type ConsoleContext, operatorOf, redirectTo, render } from '../context.js';
import { html, isoTime, when } from '../html.js';
import { type FormState, checkbox, emptyForm, formTop, input, isRefusal, posted, refusal } from '../forms.js';

// The operator's first page: the emulated clock (moving it runs every timer that falls due,
// before the page answers) and the simulated operator (available, latency, failure rate).

const PRESETS: Record<string, { label: string; seconds?: number; months?: number }> = {
  '1h': { label: 'Advance 1 hour', seconds: 3600 },
  '72h': { label: 'Advance 72 hours', seconds: 72 * 3600 },
  '3mo': { label: 'Advance 3 months', months: 3 },
};

/** A date-time typed as `2025-01-31T12:00` (UTC) or with seconds or a zone. */
function parseTarget(value: string | undefined): number {
  const text = (value ?? '').trim();
  const t = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(text) ? Date.parse(`${text}Z`) : Date.parse(text);
  if (!/^\d{4}-\d{2}-\d{2}/.test(text) || Number.isNaN(t)) throw invalid('now must be a date and time such as 2025-01-31T12:00 (UTC)');
  return t;
}

export function operatorRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const operator = { config: { access: 'operator' as const } };
  const { time, network } = cx.services;

  const overview = async (request: FastifyRequest, reply: FastifyReply, forms: { clock?: FormState; network?: FormState } = {}, status = 200) => {
    const { csrf } = operatorOf(request);
    const [now, settings] = await Promise.all([time.now(), network.get()]);
    const clockForm = forms.clock ?? emptyForm({ to: isoTime(now).slice(0, 16) });
    const netForm = forms.network ?? emptyForm({ available: String(settings.available), latency_ms: String(settings.latency_ms), failure_rate: String(settings.failure_rate) });
    const body = html`<h1>Clock & network</h1>
      <div class="grid">
      <section class="card" aria-labelledby="clock-title"><h2 id="clock-title">Emulated clock</h2>
        <p class="big">${when(now)}</p>
        <p class="hint">Offset from real time: ${Math.round(time.clock.offset / 1000).toLocaleString('en')} s. Moving the clock runs every timer that falls due (activations, cancellations, fees) before the page answers; it never goes back.</p>
        <form method="post" action="/console/operator/clock">${formTop(clockForm, csrf)}
          <div class="buttons">${Object.entries(PRESETS).map(([value, p]) => html`<button type="submit" name="preset" value="${value}">${p.label}</button>`)}</div>
          ${input({ name: 'to', label: 'Or move to (UTC)', type: 'datetime-local', form: clockForm, attrs: html` step="1"` })}
          <button type="submit" name="preset" value="to" class="secondary">Move to this time</button>
        </form></section>
      <section class="card" aria-labelledby="net-title"><h2 id="net-title">Simulated operator</h2>
        <p>${settings.available ? html`<span class="badge status-active">available</span>` : html`<span class="badge status-suspended">unavailable</span>`} since ${when(settings.date_updated)}</p>
        <form method="post" action="/console/operator/network">${formTop(netForm, csrf)}
          <input type="hidden" name="available" value="false">
          ${checkbox({ name: 'available', label: 'Available (when not, changes wait as scheduled)', form: netForm, checked: netForm.values.available === 'true' })}
          ${input({ name: 'latency_ms', label: 'Latency (ms) to apply a change', form: netForm, attrs: html` inputmode="numeric"` })}
          ${input({ name: 'failure_rate', label: 'Failure rate (0 to 1)', form: netForm, attrs: html` inputmode="decimal"` })}
          <button type="submit">Save</button>
        </form></section>
      </div>`;
    return render(cx, request, reply, { title: 'Clock & network', section: 'operator' }, body, status);
  };

  app.get('/operator', operator, async (request, reply) => overview(request, reply));

  app.post('/operator/clock', operator, async (request, reply) => {
    const values = posted(request);
    try {
      const preset = PRESETS[values.preset ?? ''];
      const outcome = preset?.seconds !== undefined ? await time.advance(preset.seconds) : await time.set(preset?.months ? addMonths(await time.now(), preset.months) : parseTarget(values.to));
      const note = outcome.finished ? '' : ' Some jobs are still running; they finish in the background.';
      return redirectTo(reply, '/console/operator', `The clock is now ${isoTime(time.clock.now())}; ${outcome.ran} job${outcome.ran === 1 ? '' : 's'} ran.${note}`);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return overview(request, reply, { clock: refusal(error, values, { to: 'now' }) }, 422);
    }
  });

  app.post('/operator/network', operator, async (request, reply) => {
    const values = posted(request);
    const num = (v: string | undefined) => (v === undefined || v.trim() === '' ? undefined : Number.isNaN(Number(v)) ? v : Number(v));
    try {
      const change = parseNetworkChange({ available: values.available === 'true', latency_ms: num(values.latency_ms), failure_rate: num(values.failure_rate) });
      const { resumed } = await network.update(change);
      return redirectTo(reply, '/console/operator', `Operator settings saved.${resumed > 0 ? ` ${resumed} waiting change${resumed === 1 ? '' : 's'} resumed.` : ''}`);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return overview(request, reply, { network: refusal(error, values, { latency_ms: 'latency_ms', failure_rate: 'failure_rate' }) }, 422);
    }
  });
}
