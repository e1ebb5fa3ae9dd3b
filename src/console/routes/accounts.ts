import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ApiKey } from '../../domain/models.js';
import { isMaster } from '../../domain/caller.js';
import { type ConsoleContext, accountChoices, redirectTo, render } from '../context.js';
import { type Html, html, when } from '../html.js';
import { type FormState, emptyForm, formTop, input, isRefusal, posted, refusal, select } from '../forms.js';

// Accounts (a master and its subaccounts) and their API keys, through the same services and
// rules as the 2010 API: only a master creates subaccounts or changes their status; keys cannot
// manage accounts or keys; a new key's secret is shown once and never again.

type ById = { Params: { sid: string } };
type ByKey = { Params: { sid: string; key: string } };
const API = '/2010-04-01/Accounts.json';
const FIELDS = { friendly_name: 'FriendlyName', status: 'Status' };

export function accountRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const account = { config: { access: 'account' as const } };
  const { accounts, keys } = cx.services;
  /** Accounts are managed with the signed-in credentials themselves, not the account picked. */
  const signedIn = (request: FastifyRequest) => request.signedIn!.signedIn!;

  const refusedToKeys = (request: FastifyRequest, reply: FastifyReply) =>
    render(cx, request, reply, { title: 'Accounts', section: 'accounts' }, html`<h1>Accounts & keys</h1>
      <p>You signed in with an API key. As in the API, keys cannot manage accounts or keys: sign in with the Account SID and auth token for that.</p>`, 403);

  const listPage = async (request: FastifyRequest, reply: FastifyReply, form: FormState, status = 200) => {
    const caller = signedIn(request);
    if (caller.keySid !== null) return refusedToKeys(request, reply);
    const [page, choices] = await Promise.all([accounts.list(caller, {}, { limit: 1000 }), accountChoices(cx, request)]);
    const rows = page.items.map((a) => html`<tr><td><a href="/console/accounts/${a.sid}">${a.friendly_name}</a></td><td class="mono">${a.sid}</td><td>${a.status}</td><td>${isMaster(a) ? 'master' : 'subaccount'}</td><td>${when(a.date_created)}</td></tr>`);
    const body = html`<h1>Accounts & keys</h1>
      <section class="card"><h2>Accounts</h2><div class="table-wrap"><table><thead><tr><th scope="col">Name</th><th scope="col">SID</th><th scope="col">Status</th><th scope="col">Kind</th><th scope="col">Created</th></tr></thead><tbody>${rows}</tbody></table></div></section>
      ${isMaster(caller.account)
        ? html`<section class="card"><h2>New subaccount</h2><form method="post" action="/console/accounts">${formTop(form, request.signedIn!.session.csrf_token)}
            ${input({ name: 'friendly_name', label: 'Friendly name', form, hint: 'Optional; Wisp names it after the time otherwise.' })}<button type="submit">Create subaccount</button></form></section>`
        : html`<p class="hint">A subaccount has no subaccounts of its own.</p>`}`;
    return render(cx, request, reply, { title: 'Accounts', section: 'accounts', accounts: choices }, body, status);
  };

  app.get('/accounts', account, async (request, reply) => listPage(request, reply, emptyForm()));

  app.post('/accounts', account, async (request, reply) => {
    const values = posted(request);
    try {
      const created = await accounts.create(signedIn(request), values.friendly_name || null);
      return redirectTo(reply, `/console/accounts/${created.sid}`, `Subaccount ${created.friendly_name} created.`);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return listPage(request, reply, refusal(error, values, FIELDS, API), 422);
    }
  });

  const accountPage = async (request: FastifyRequest<ById>, reply: FastifyReply, forms: { account?: FormState; key?: FormState; newKey?: ApiKey & { secret: string } } = {}, status = 200) => {
    const caller = signedIn(request);
    if (caller.keySid !== null) return refusedToKeys(request, reply);
    const csrf = request.signedIn!.session.csrf_token;
    const target = await accounts.fetch(caller, request.params.sid);
    const list = await keys.list(caller, target.sid, { limit: 1000 });
    const form = forms.account ?? emptyForm({ friendly_name: target.friendly_name, status: target.status });
    const keyForm = forms.key ?? emptyForm();
    const statusField = isMaster(target)
      ? html`<p class="hint">A master account's status cannot be changed here, as in the API.</p>`
      : select({ name: 'status', label: 'Status', form, options: ['active', 'suspended', 'closed'].map((s) => ({ value: s, label: s })), hint: 'Suspending or closing ends its sessions and cancels changes in flight; a closed account cannot be reopened.' });
    const keyRows = list.items.map((k) => html`<tr><td class="mono">${k.sid}</td>
      <td><form method="post" action="/console/accounts/${target.sid}/keys/${k.sid}" class="inline"><input type="hidden" name="_csrf" value="${csrf}">
        <label class="sr-only" for="name-${k.sid}">Name of ${k.sid}</label><input id="name-${k.sid}" name="friendly_name" value="${k.friendly_name ?? ''}"><button type="submit" class="secondary">Rename</button></form></td>
      <td>${when(k.date_created)}</td>
      <td><form method="post" action="/console/accounts/${target.sid}/keys/${k.sid}/delete"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" class="danger" aria-label="Delete key ${k.sid}">Delete</button></form></td></tr>`);
    const secret: Html = forms.newKey
      ? html`<div class="notice secret" role="status"><p><strong>Key ${forms.newKey.sid} created.</strong> Copy its secret now: it is shown this once and never again.</p>
          <p><label for="new-secret">Secret</label> <input id="new-secret" class="mono" readonly value="${forms.newKey.secret}" size="40"></p></div>`
      : html``;
    const body = html`<p><a href="/console/accounts">← Accounts</a></p><h1>${target.friendly_name}</h1>
      ${secret}
      <section class="card"><h2>Account</h2><p class="mono">${target.sid}</p>
        <form method="post" action="/console/accounts/${target.sid}">${formTop(form, csrf)}${input({ name: 'friendly_name', label: 'Friendly name', form })}${statusField}<button type="submit">Save</button></form></section>
      <section class="card"><h2>API keys</h2>
        ${list.items.length === 0 ? html`<p class="empty">No API keys yet.</p>` : html`<div class="table-wrap"><table><thead><tr><th scope="col">SID</th><th scope="col">Name</th><th scope="col">Created</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody>${keyRows}</tbody></table></div>`}
        <h3>New key</h3>
        <form method="post" action="/console/accounts/${target.sid}/keys">${formTop(keyForm, csrf)}${input({ name: 'friendly_name', label: 'Key name', form: keyForm })}<button type="submit">Create key</button></form>
      </section>`;
    // The page with a new secret must never be kept by a cache or the browser's history.
    return render(cx, request, reply, { title: target.friendly_name, section: 'accounts' }, body, status);
  };

  app.get<ById>('/accounts/:sid', account, async (request, reply) => accountPage(request, reply));

  app.post<ById>('/accounts/:sid', account, async (request, reply) => {
    const values = posted(request);
    try {
      await accounts.update(signedIn(request), request.params.sid, { friendlyName: values.friendly_name, status: values.status });
      // A status change revokes credentials: this process forgets them at once, others on their next look.
      cx.sessions.forget();
      return redirectTo(reply, `/console/accounts/${request.params.sid}`, 'Account saved.');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return accountPage(request, reply, { account: refusal(error, values, FIELDS, API) }, 422);
    }
  });

  app.post<ById>('/accounts/:sid/keys', account, async (request, reply) => {
    const values = posted(request);
    try {
      const key = await keys.create(signedIn(request), request.params.sid, values.friendly_name || null);
      return accountPage(request, reply, { newKey: key }, 201);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return accountPage(request, reply, { key: refusal(error, values, FIELDS, API) }, 422);
    }
  });

  app.post<ByKey>('/accounts/:sid/keys/:key', account, async (request, reply) => {
    const values = posted(request);
    try {
      await keys.update(signedIn(request), request.params.sid, request.params.key, values.friendly_name ?? '');
      return redirectTo(reply, `/console/accounts/${request.params.sid}`, 'Key renamed.');
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return accountPage(request, reply, { key: refusal(error, values, FIELDS, API) }, 422);
    }
  });

  app.post<ByKey>('/accounts/:sid/keys/:key/delete', account, async (request, reply) => {
    await keys.remove(signedIn(request), request.params.sid, request.params.key);
    cx.sessions.forget();
    return redirectTo(reply, `/console/accounts/${request.params.sid}`, `Key ${request.params.key} deleted: its sessions and API access end now.`);
  });
}
