import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RatePlan } from '../../domain/models.js';
import type { RatePlanInput } from '../../domain/rate-plans.js';
import { type ConsoleContext, accountChoices, accountOf, redirectTo, render } from '../context.js';
import { type Html, html } from '../html.js';
import { type FormState, checkbox, emptyForm, formTop, input, isRefusal, posted, refusal, select } from '../forms.js';

// Rate plans: list, create, rename, delete, with the API's rules and errors (a plan in use
// cannot be deleted; unique names are unique per account).

const API = '/v1/RatePlans';
const FIELDS = {
  unique_name: 'UniqueName',
  friendly_name: 'FriendlyName',
  data_limit: 'DataLimit',
  data_metering: 'DataMetering',
  data_limit_strategy: 'DataLimitStrategy',
  national_roaming_data_limit: 'NationalRoamingDataLimit',
  international_roaming_data_limit: 'InternationalRoamingDataLimit',
};

const yes = (value: string | undefined) => value === 'true';

/** A whole number as typed; anything else is passed on for the domain to refuse in its words. */
function number(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : Number.NaN;
}

function inputOf(values: Record<string, string>): RatePlanInput {
  const roaming = ['data', 'messaging'].filter((service) => yes(values[`roaming_${service}`]));
  return {
    uniqueName: values.unique_name || undefined,
    friendlyName: values.friendly_name || undefined,
    dataEnabled: yes(values.data_enabled),
    dataLimit: number(values.data_limit),
    dataMetering: values.data_metering || undefined,
    dataLimitStrategy: values.data_limit_strategy || undefined,
    messagingEnabled: yes(values.messaging_enabled),
    voiceEnabled: yes(values.voice_enabled),
    nationalRoamingEnabled: yes(values.national_roaming_enabled),
    nationalRoamingDataLimit: number(values.national_roaming_data_limit),
    internationalRoaming: roaming,
    internationalRoamingDataLimit: number(values.international_roaming_data_limit),
  };
}

const DEFAULTS = { data_enabled: 'true', messaging_enabled: 'true', national_roaming_enabled: 'true', data_limit: '1000', national_roaming_data_limit: '1000', international_roaming_data_limit: '0' };

function createForm(form: FormState, csrf: string): Html {
  const v = form.values;
  return html`<form method="post" action="/console/rate-plans" class="stack">
    ${formTop(form, csrf)}
    ${input({ name: 'unique_name', label: 'Unique name', form, hint: 'Optional; unique among your plans.' })}
    ${input({ name: 'friendly_name', label: 'Friendly name', form })}
    ${input({ name: 'data_limit', label: 'Data limit per month (MB)', form, attrs: html` inputmode="numeric"` })}
    ${select({ name: 'data_limit_strategy', label: 'At the limit', form, options: [{ value: 'block', label: 'Block data' }, { value: 'throttle', label: 'Throttle data' }] })}
    ${select({ name: 'data_metering', label: 'Data metering', form, options: ['payg', 'quota-1', 'quota-10', 'quota-50'].map((m) => ({ value: m, label: m })) })}
    ${checkbox({ name: 'data_enabled', label: 'Data enabled', form, checked: yes(v.data_enabled) })}
    ${checkbox({ name: 'messaging_enabled', label: 'Messaging (Commands) enabled', form, checked: yes(v.messaging_enabled) })}
    ${checkbox({ name: 'voice_enabled', label: 'Voice enabled', form, checked: yes(v.voice_enabled) })}
    ${checkbox({ name: 'national_roaming_enabled', label: 'National roaming enabled', form, checked: yes(v.national_roaming_enabled) })}
    ${input({ name: 'national_roaming_data_limit', label: 'National roaming data limit (MB)', form, attrs: html` inputmode="numeric"` })}
    <fieldset><legend>International roaming</legend>
      ${checkbox({ name: 'roaming_data', label: 'Data', form, checked: yes(v.roaming_data) })}
      ${checkbox({ name: 'roaming_messaging', label: 'Messaging', form, checked: yes(v.roaming_messaging) })}
    </fieldset>
    ${input({ name: 'international_roaming_data_limit', label: 'International roaming data limit (MB)', form, attrs: html` inputmode="numeric"` })}
    <button type="submit">Create rate plan</button>
  </form>`;
}

function planRow(plan: RatePlan, csrf: string): Html {
  return html`<tr>
    <td><a href="/console/rate-plans/${plan.sid}">${plan.unique_name ?? plan.sid}</a></td>
    <td>${plan.friendly_name ?? ''}</td>
    <td>${plan.data_enabled ? `${plan.data_limit} MB, ${plan.data_limit_strategy}` : 'no data'}</td>
    <td>${plan.messaging_enabled ? 'yes' : 'no'}</td>
    <td>${plan.international_roaming.join(', ') || 'none'}</td>
    <td><form method="post" action="/console/rate-plans/${plan.sid}/delete"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="danger" aria-label="Delete ${plan.unique_name ?? plan.sid}">Delete</button></form></td>
  </tr>`;
}

export function ratePlanRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const account = { config: { access: 'account' as const } };
  const plans = cx.services.ratePlans;

  const listPage = async (request: FastifyRequest, reply: FastifyReply, form: FormState, listError: string | null, status = 200) => {
    const { caller, csrf } = accountOf(request);
    const [page, accounts] = await Promise.all([plans.list(caller, { limit: 1000 }), accountChoices(cx, request)]);
    const body = html`<h1>Rate plans of ${caller.account.friendly_name}</h1>
      ${listError ? html`<p class="error" role="alert">${listError}</p>` : ''}
      <section class="card" aria-labelledby="plans-title"><h2 id="plans-title">Plans</h2>
        ${page.items.length === 0
          ? html`<p class="empty">No rate plans yet. A SIM needs one before it can become ready or active: create one below.</p>`
          : html`<div class="table-wrap"><table><thead><tr><th scope="col">Plan</th><th scope="col">Friendly name</th><th scope="col">Data</th><th scope="col">Commands</th><th scope="col">Abroad</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead>
              <tbody>${page.items.map((p) => planRow(p, csrf))}</tbody></table></div>`}
      </section>
      <section class="card" aria-labelledby="new-plan"><h2 id="new-plan">New rate plan</h2>${createForm(form, csrf)}</section>`;
    return render(cx, request, reply, { title: 'Rate plans', section: 'rate-plans', accounts }, body, status);
  };

  app.get('/rate-plans', account, async (request, reply) => listPage(request, reply, emptyForm(DEFAULTS), null));

  app.post('/rate-plans', account, async (request, reply) => {
    const values = posted(request);
    try {
      const plan = await plans.create(accountOf(request).caller, inputOf(values));
      return redirectTo(reply, '/console/rate-plans', `Rate plan ${plan.unique_name ?? plan.sid} created.`);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return listPage(request, reply, refusal(error, values, FIELDS, API), null, 422);
    }
  });

  app.post<{ Params: { sid: string } }>('/rate-plans/:sid/delete', account, async (request, reply) => {
    try {
      await plans.remove(accountOf(request).caller, request.params.sid);
      return redirectTo(reply, '/console/rate-plans', 'Rate plan deleted.');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return listPage(request, reply, emptyForm(DEFAULTS), refusal(error, {}, {}, API).message ?? null, 409);
    }
  });

  const editPage = async (request: FastifyRequest<{ Params: { sid: string } }>, reply: FastifyReply, form: FormState | null, status = 200) => {
    const { caller, csrf } = accountOf(request);
    const plan = await plans.fetch(caller, request.params.sid);
    const f = form ?? emptyForm({ unique_name: plan.unique_name ?? '', friendly_name: plan.friendly_name ?? '' });
    const body = html`<p><a href="/console/rate-plans">← Rate plans</a></p><h1>Rate plan ${plan.unique_name ?? plan.sid}</h1>
      <section class="card"><h2>Names</h2><p class="hint">Only the names of a plan can change; its limits are fixed once SIMs may use it, as in the API.</p>
        <form method="post" action="/console/rate-plans/${plan.sid}">${formTop(f, csrf)}
          ${input({ name: 'unique_name', label: 'Unique name', form: f })}${input({ name: 'friendly_name', label: 'Friendly name', form: f })}
          <button type="submit">Save</button></form></section>`;
    return render(cx, request, reply, { title: 'Rate plan', section: 'rate-plans' }, body, status);
  };

  app.get<{ Params: { sid: string } }>('/rate-plans/:sid', account, async (request, reply) => editPage(request, reply, null));

  app.post<{ Params: { sid: string } }>('/rate-plans/:sid', account, async (request, reply) => {
    const values = posted(request);
    try {
      await plans.update(accountOf(request).caller, request.params.sid, { uniqueName: values.unique_name, friendlyName: values.friendly_name });
      return redirectTo(reply, '/console/rate-plans', 'Rate plan saved.');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return editPage(request, reply, refusal(error, values, FIELDS, API), 422);
    }
  });
}
