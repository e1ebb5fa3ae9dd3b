import type { RatePlan } from '../../domain/models.js';
import type { BatchRequest } from '../../domain/batches/service.js';
import type { Preview } from '../../domain/batches/preview.js';
import type { SimBatch } from '../../domain/batches/batch-models.js';
import { answerFor } from '../../http/errors.js';
import { type Html, html, query, when } from '../html.js';
import { type FormState, checkbox, formTop, input, select } from '../forms.js';

// The parts of the bulk pages (routes/bulk.ts): the selection carried from page to page, the
// change form, the preview and a batch's progress.

/** What the fleet page selected: listed SIMs, or every SIM matching its filters. */
export interface Selection {
  sims?: string[];
  status?: string;
  plan?: string;
  iccid?: string;
}

export const FILTER_FIELDS = ['status', 'plan', 'iccid'] as const;
const CHANGES = ['ready', 'active', 'suspended', 'deactivated'];

export function describeSelection(s: Selection): string {
  if (s.sims) return `${s.sims.length.toLocaleString('en')} SIM${s.sims.length === 1 ? '' : 's'} selected on the fleet page`;
  const parts = FILTER_FIELDS.filter((f) => s[f]).map((f) => `${f} ${s[f]}`);
  return `every SIM matching ${parts.join(', ')}`;
}

/** The selection as hidden fields, so each step posts it again. */
export function hiddenSelection(s: Selection): Html {
  if (s.sims) return html`${s.sims.map((sid) => html`<input type="hidden" name="sim" value="${sid}">`)}`;
  return html`${FILTER_FIELDS.filter((f) => s[f]).map((f) => html`<input type="hidden" name="filter_${f}" value="${s[f]}">`)}`;
}

/** The API's request for a selection and the form's change. */
export function requestOf(s: Selection, values: Record<string, string>, startAt: number | undefined): BatchRequest {
  const update = { ...(values.status ? { status: values.status } : {}), ...(values.rate_plan ? { ratePlan: values.rate_plan } : {}) };
  const filter = s.sims ? undefined : { status: s.status as never, ratePlan: s.plan, iccid: s.iccid };
  return { sims: s.sims, filter, update, waitForUpdating: values.wait === 'true', startAt };
}

export function changeForm(s: Selection, plans: RatePlan[], csrf: string, form: FormState, preview: Preview | null): Html {
  const planOptions = [{ value: '', label: 'No change' }, ...plans.map((p) => ({ value: p.sid, label: p.unique_name ?? p.friendly_name ?? p.sid }))];
  return html`<form method="post" action="/console/bulk/preview" class="card" id="bulk-form">
    ${formTop(form, csrf)}${hiddenSelection(s)}
    ${select({ name: 'status', label: 'New status', form, options: [{ value: '', label: 'No change' }, ...CHANGES.map((c) => ({ value: c, label: c }))] })}
    ${select({ name: 'rate_plan', label: 'New rate plan', form, options: planOptions })}
    ${checkbox({ name: 'wait', label: 'Wait for SIMs with a change in flight instead of refusing them', form, checked: form.values.wait === 'true' })}
    ${input({ name: 'start_at', label: 'Start at (optional, ISO 8601, emulated time)', form, attrs: html` placeholder="2030-01-01T00:00:00Z" spellcheck="false"` })}
    <div class="actions">
      <button type="submit" class="secondary">Preview</button>
      ${preview ? html`<button type="submit" formaction="/console/bulk/start" data-start>Start the batch on ${preview.total.toLocaleString('en')} SIMs</button>` : ''}
    </div>
  </form>`;
}

export function previewPart(preview: Preview): Html {
  return html`<section class="card" aria-labelledby="preview-title" id="bulk-preview">
    <h2 id="preview-title">Preview: nothing has changed yet</h2>
    <dl class="props">
      <dt>Selected</dt><dd data-total>${preview.total.toLocaleString('en')}</dd>
      <dt>Would change</dt><dd data-would-apply>${preview.wouldApply.toLocaleString('en')}</dd>
      <dt>Would wait for a change in flight</dt><dd>${preview.wouldWait.toLocaleString('en')}</dd>
    </dl>
    ${preview.refusals.length === 0 ? html`<p>None would be refused.</p>` : html`<table><caption>Would be refused</caption>
      <thead><tr><th scope="col">Error</th><th scope="col">SIMs</th><th scope="col">For example</th></tr></thead>
      <tbody>${preview.refusals.map((r) => html`<tr data-refusal="${answerFor(r.reason, '/v1/Sims').code}"><td>${answerFor(r.reason, '/v1/Sims').code}</td><td>${r.count.toLocaleString('en')}</td><td>${r.message}</td></tr>`)}</tbody></table>`}
    <p class="hint">First SIMs: ${preview.sample.map((sid, i) => html`${i > 0 ? ', ' : ''}<span class="mono">${sid}</span>`)}</p>
  </section>`;
}

const FINISHED = ['completed', 'canceled', 'failed'];

/** A batch's progress: what the live stream sends again while it runs. */
export function progressPart(batch: SimBatch, refusals: { reason: string; count: number }[], csrf: string): Html {
  const done = batch.applied + batch.refused + batch.skipped;
  const pending = batch.total - done;
  return html`<section class="card" aria-labelledby="progress-title">
    <h2 id="progress-title">Batch <span data-batch-status>${batch.status}</span></h2>
    <progress max="${batch.total}" value="${done}" aria-label="SIMs done">${done} of ${batch.total}</progress>
    <dl class="props">
      <dt>SIMs</dt><dd>${batch.total.toLocaleString('en')}</dd>
      <dt>Applied</dt><dd data-applied>${batch.applied.toLocaleString('en')}</dd>
      <dt>Refused</dt><dd data-refused>${batch.refused.toLocaleString('en')}${refusals.length > 0 ? html` (${refusals.map((r, i) => html`${i > 0 ? ', ' : ''}${answerFor(r.reason as never, '/v1/Sims').code}: ${r.count}`)})` : ''}</dd>
      <dt>Skipped</dt><dd>${batch.skipped.toLocaleString('en')}</dd>
      <dt>Pending</dt><dd>${pending.toLocaleString('en')}</dd>
      <dt>Starts</dt><dd>${when(batch.start_at)}</dd>
      <dt>Ended</dt><dd>${batch.date_completed ? when(batch.date_completed) : html`<span class="muted">not yet</span>`}</dd>
    </dl>
    ${batch.refused > 0 ? html`<p><a href="/console/bulk/${batch.sid}/refused">The refused SIMs and why</a></p>` : ''}
    ${FINISHED.includes(batch.status) ? '' : html`<form method="post" action="/console/bulk/${batch.sid}/cancel"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="danger">Cancel the SIMs not yet changed</button></form>`}
  </section>`;
}

export const selectionQuery = (s: Selection) => query({ status: s.status, plan: s.plan, iccid: s.iccid });
