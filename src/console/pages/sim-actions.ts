import type { RatePlan, Sim } from '../../domain/models.js';
import { REQUESTABLE, checkTransition } from '../../domain/sims/lifecycle.js';
import { DomainError } from '../../domain/errors.js';
import { type Html, html, when } from '../html.js';
import { type FormState, emptyForm, formTop, input, select } from '../forms.js';
import { statusBadge } from './badges.js';

// What a Sim is, and what may be done to it from its current status: a button for each legal
// move of the lifecycle table, and the reason beside each move that is not.

const VERB: Record<string, string> = { ready: 'Make ready', active: 'Activate', suspended: 'Suspend', deactivated: 'Deactivate' };

export function properties(sim: Sim, plan: RatePlan | undefined): Html {
  const row = (label: string, value: Html | string | null) => html`<div><dt>${label}</dt><dd>${value === null || value === '' ? html`<span class="muted">none</span>` : value}</dd></div>`;
  return html`<dl class="props">
    ${row('Status', statusBadge(sim.status))}
    ${row('SID', html`<span class="mono">${sim.sid}</span>`)}
    ${row('Unique name', sim.unique_name)}
    ${row('Friendly name', sim.friendly_name)}
    ${row('ICCID', html`<span class="mono">${sim.iccid}</span>`)}
    ${row('Rate plan', plan && (plan.unique_name ?? plan.friendly_name) ? `${plan.unique_name ?? plan.friendly_name} (${plan.sid})` : sim.rate_plan_sid)}
    ${row('Account', html`<span class="mono">${sim.account_sid}</span>`)}
    ${row('Connectivity reset', sim.reset_status ?? 'none in progress')}
    ${row('IP address', sim.ip_address)}
    ${row('Created', when(sim.date_created))}
    ${row('Updated', when(sim.date_updated))}
  </dl>`;
}

/** Each requestable status: allowed, where the Sim is already, or refused with the lifecycle's reason. */
export function moves(sim: Sim): { to: string; outcome: 'allowed' | 'no-op' | 'refused'; reason?: string }[] {
  return REQUESTABLE.map((to) => {
    try {
      return { to, outcome: checkTransition(sim.status, to, sim.rate_plan_sid !== null) };
    } catch (error) {
      if (error instanceof DomainError) return { to, outcome: 'refused' as const, reason: error.message };
      throw error;
    }
  });
}

export function statusActions(sim: Sim, csrf: string, form: FormState = emptyForm()): Html {
  const items = moves(sim).map((move) => {
    if (move.outcome === 'no-op') return html`<li><button type="button" disabled aria-describedby="why-${move.to}">${VERB[move.to]}</button> <span id="why-${move.to}" class="muted">It is ${move.to} already.</span></li>`;
    if (move.outcome === 'refused') return html`<li><button type="button" disabled aria-describedby="why-${move.to}">${VERB[move.to]}</button> <span id="why-${move.to}" class="muted">${move.reason}</span></li>`;
    return html`<li><button type="submit" name="status" value="${move.to}">${VERB[move.to]}</button></li>`;
  });
  return html`<form method="post" action="/console/sims/${sim.sid}/status" class="moves">
    ${formTop(form, csrf)}
    <ul class="plain">${items}</ul>
    ${input({ name: 'callback_url', label: 'Callback URL for this change (optional)', type: 'url', form, hint: 'Wisp calls it when the change has been applied, as Twilio does.' })}
  </form>`;
}

export function planForm(sim: Sim, plans: RatePlan[], csrf: string, form: FormState = emptyForm()): Html {
  const options = [
    { value: '', label: 'No rate plan' },
    ...plans.map((p) => ({ value: p.sid, label: `${p.unique_name ?? p.friendly_name ?? p.sid}${p.sid === sim.rate_plan_sid ? ' (current)' : ''}` })),
  ];
  return html`<form method="post" action="/console/sims/${sim.sid}/rate-plan">
    ${formTop(form, csrf)}
    ${select({ name: 'rate_plan', label: 'Rate plan', form, value: form.values.rate_plan ?? sim.rate_plan_sid ?? '', options })}
    <button type="submit">Change rate plan</button>
  </form>`;
}

export function resetForm(sim: Sim, csrf: string, form: FormState = emptyForm()): Html {
  return html`<form method="post" action="/console/sims/${sim.sid}/reset">
    ${formTop(form, csrf)}
    <p class="hint">Detaches the SIM from the network so that it attaches again, as ResetStatus=resetting does.</p>
    <button type="submit"${sim.reset_status === 'resetting' ? html` disabled` : ''}>Reset connectivity</button>
  </form>`;
}

export function namesForm(sim: Sim, csrf: string, form: FormState = emptyForm()): Html {
  const values = { unique_name: sim.unique_name ?? '', friendly_name: sim.friendly_name ?? '', ...form.values };
  const f = { ...form, values };
  return html`<form method="post" action="/console/sims/${sim.sid}/names">
    ${formTop(form, csrf)}
    ${input({ name: 'unique_name', label: 'Unique name', form: f })}
    ${input({ name: 'friendly_name', label: 'Friendly name', form: f })}
    <button type="submit">Save names</button>
  </form>`;
}

export function commandForm(sim: Sim, csrf: string, form: FormState = emptyForm()): Html {
  return html`<form method="post" action="/console/sims/${sim.sid}/commands">
    ${formTop(form, csrf)}
    ${input({ name: 'command', label: 'Command text', form, required: true, hint: 'Sent to the SIM as an SMS Command (up to 160 characters as text).' })}
    <button type="submit">Send Command</button>
  </form>`;
}
