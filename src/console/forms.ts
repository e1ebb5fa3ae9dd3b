import type { FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { NetworkRefusal } from '../domain/devices/plan-rules.js';
import { answerFor } from '../http/errors.js';
import { type Html, html } from './html.js';

// Forms: controls with their labels and errors, what was typed kept after a refusal, and the
// API's own error message placed next to the field it names.

export interface FormState {
  values: Record<string, string>;
  /** By field name. */
  errors: Record<string, string>;
  /** An error that names no field. */
  message?: string;
}

export const emptyForm = (values: Record<string, string> = {}): FormState => ({ values, errors: {} });

/** The posted form as plain strings (a repeated field keeps its last value). */
export function posted(request: FastifyRequest): Record<string, string> {
  const body = request.body;
  if (!body || typeof body !== 'object') return {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (typeof last === 'string') values[key] = last;
  }
  return values;
}

/**
 * A refusal as a person reads it, placed on the field whose API parameter it names
 * (`fields` maps form field to parameter), with the Twilio error code the API would answer.
 */
export function refusal(error: unknown, values: Record<string, string>, fields: Record<string, string> = {}, apiPath = '/v1/Sims'): FormState {
  const state: FormState = { values, errors: {} };
  let text: string;
  if (error instanceof DomainError) {
    text = `${error.message} (error ${answerFor(error.code, apiPath).code})`;
  } else if (error instanceof NetworkRefusal) {
    text = `${error.refusal.message} (error ${error.refusal.errorCode})`;
  } else throw error;
  const field = Object.entries(fields).find(([, param]) => new RegExp(`\\b${param}\\b`, 'i').test(text));
  if (field) state.errors[field[0]] = text;
  else state.message = text;
  return state;
}

/** Whether an error is one the console explains on the page (anything else is a fault). */
export const isRefusal = (error: unknown) => error instanceof DomainError || error instanceof NetworkRefusal;

interface Control {
  name: string;
  label: string;
  form: FormState;
  /** Defaults to the form's value for `name`. */
  value?: string;
  type?: string;
  hint?: string;
  required?: boolean;
  attrs?: Html;
}

function described(id: string, control: Control): { aria: Html; after: Html } {
  const error = control.form.errors[control.name];
  const ids = [control.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return {
    aria: html`${ids ? html` aria-describedby="${ids}"` : ''}${error ? html` aria-invalid="true"` : ''}`,
    after: html`${control.hint ? html`<p class="hint" id="${id}-hint">${control.hint}</p>` : ''}${error ? html`<p class="error" id="${id}-error">${error}</p>` : ''}`,
  };
}

let counter = 0;
const idFor = (name: string) => `f-${name}-${(counter = (counter + 1) % 1_000_000)}`;

export function input(control: Control): Html {
  const id = idFor(control.name);
  const { aria, after } = described(id, control);
  const value = control.value ?? control.form.values[control.name] ?? '';
  return html`<div class="field">
    <label for="${id}">${control.label}</label>
    <input id="${id}" name="${control.name}" type="${control.type ?? 'text'}" value="${value}"${control.required ? html` required` : ''}${aria}${control.attrs}>
    ${after}
  </div>`;
}

export function select(control: Control & { options: { value: string; label: string; disabled?: boolean }[] }): Html {
  const id = idFor(control.name);
  const { aria, after } = described(id, control);
  const chosen = control.value ?? control.form.values[control.name] ?? '';
  return html`<div class="field">
    <label for="${id}">${control.label}</label>
    <select id="${id}" name="${control.name}"${aria}${control.attrs}>
      ${control.options.map((o) => html`<option value="${o.value}"${o.value === chosen ? html` selected` : ''}${o.disabled ? html` disabled` : ''}>${o.label}</option>`)}
    </select>
    ${after}
  </div>`;
}

export function checkbox(control: Control & { checked: boolean }): Html {
  const id = idFor(control.name);
  const { aria, after } = described(id, control);
  return html`<div class="field check">
    <input id="${id}" name="${control.name}" type="checkbox" value="true"${control.checked ? html` checked` : ''}${aria}${control.attrs}>
    <label for="${id}">${control.label}</label>
    ${after}
  </div>`;
}

/** The form's own error, and the CSRF token every form carries. */
export function formTop(form: FormState, csrf: string): Html {
  return html`<input type="hidden" name="_csrf" value="${csrf}">${form.message ? html`<p class="error" role="alert">${form.message}</p>` : ''}`;
}
