import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../../domain/caller.js';
import type { Sim } from '../../domain/models.js';
import { IN_FLIGHT } from '../../domain/sims/lifecycle.js';
import { notFound } from '../../domain/errors.js';
import { clientIp } from '../../http/context.js';
import { checkCallbackUrls } from '../../http/callback-urls.js';
import { type ConsoleContext, accountChoices, accountOf, redirectTo, render } from '../context.js';
import { type Html, html } from '../html.js';
import { type FormState, isRefusal, posted, refusal } from '../forms.js';
import { commandForm, namesForm, planForm, properties, resetForm, statusActions } from '../pages/sim-actions.js';
import { timeline, timelineOf } from '../pages/sim-timeline.js';
import { dayOf, sessionsSection, usageOf, usageSection } from '../pages/sim-usage.js';
import { setSecurityHeaders } from '../plugin.js';

// One SIM: what it is, what may be done to it, what happened to it, and its data use. While
// it is `updating` or `scheduled` the page follows it live (server-sent events; without
// scripts, the page refreshes itself).

type Forms = Partial<Record<'status' | 'plan' | 'reset' | 'names' | 'command', FormState>>;
type BySid = { Params: { sid: string } };

/** The Sim, and the caller that acts as its account (a master may open a subaccount's SIM). */
async function simFor(cx: ConsoleContext, caller: Caller, sid: string): Promise<{ sim: Sim; owner: Caller }> {
  const sim = await cx.services.sims.fetch(caller, sid);
  if (sim.account_sid === caller.account.sid) return { sim, owner: caller };
  // A key reaches only its own account's SIMs here.
  if (caller.keySid !== null) throw notFound(`Sim ${sid} was not found`);
  const account = await cx.services.accounts.fetch(caller, sim.account_sid);
  return { sim, owner: { account, credentialAccount: caller.credentialAccount, keySid: null } };
}

async function liveFragment(cx: ConsoleContext, owner: Caller, sim: Sim, csrf: string, forms: Forms): Promise<Html> {
  const [plan, items] = await Promise.all([sim.rate_plan_sid ? cx.services.ratePlans.resolve(owner, sim.rate_plan_sid) : undefined, timelineOf(cx.services, owner, sim)]);
  return html`<div class="grid">
      <section class="card" aria-labelledby="props-title"><h2 id="props-title">Properties</h2>${properties(sim, plan)}
        ${sim.status === 'updating' ? html`<p class="notice" data-changing>The operator is applying a change: this page follows it as it happens.</p>` : ''}
        ${sim.status === 'scheduled' ? html`<p class="notice" data-changing>The operator is unavailable: the change waits, and is applied when it is back. This page follows it.</p>` : ''}</section>
      <section class="card" aria-labelledby="moves-title"><h2 id="moves-title">Status</h2>${statusActions(sim, csrf, forms.status)}</section>
    </div>
    <section class="card" aria-labelledby="timeline-title"><h2 id="timeline-title">Timeline</h2>${timeline(items)}</section>`;
}

async function simPage(cx: ConsoleContext, request: FastifyRequest, reply: FastifyReply, sid: string, forms: Forms = {}, status = 200) {
  const { caller, csrf } = accountOf(request);
  const { sim, owner } = await simFor(cx, caller, sid);
  const day = dayOf((request.query as Record<string, unknown>).day);
  const [live, plans, usage, accounts] = await Promise.all([
    liveFragment(cx, owner, sim, csrf, forms),
    cx.services.ratePlans.list(owner, { limit: 200 }),
    usageOf(cx.services, owner, sim, cx.services.time.clock.now(), day),
    accountChoices(cx, request),
  ]);
  const changing = IN_FLIGHT.includes(sim.status);
  const body = html`<p><a href="/console/sims">← Fleet</a></p>
    <h1>SIM ${sim.unique_name ?? sim.sid}</h1>
    <div id="live" aria-live="polite"${changing ? html` data-live="/console/sims/${sim.sid}/live"` : ''}>${live}</div>
    <div class="grid">
      <section class="card" aria-labelledby="plan-title"><h2 id="plan-title">Rate plan</h2>${planForm(sim, plans.items, csrf, forms.plan)}</section>
      <section class="card" aria-labelledby="reset-title"><h2 id="reset-title">Connectivity</h2>${resetForm(sim, csrf, forms.reset)}</section>
      <section class="card" aria-labelledby="names-title"><h2 id="names-title">Names</h2>${namesForm(sim, csrf, forms.names)}</section>
      <section class="card" aria-labelledby="command-title"><h2 id="command-title">Send a Command</h2>${commandForm(sim, csrf, forms.command)}</section>
    </div>
    ${usageSection(sim, usage)}
    ${sessionsSection(usage)}`;
  // Without scripts the live stream cannot run: the page refreshes itself while the SIM changes.
  const head = changing ? html`<noscript><meta http-equiv="refresh" content="2"></noscript>` : undefined;
  return render(cx, request, reply, { title: `SIM ${sim.unique_name ?? sim.sid}`, section: 'fleet', head, accounts }, body, status);
}

export function simRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const account = { config: { access: 'account' as const } };
  const { sims } = cx.services;

  app.get<BySid>('/sims/:sid', account, async (request, reply) => simPage(cx, request, reply, request.params.sid));

  /** Runs a change; a refusal re-renders the page with the error next to its form. */
  const change = (form: keyof Forms, fields: Record<string, string>, work: (caller: Caller, sid: string, values: Record<string, string>, request: FastifyRequest) => Promise<string>) =>
    async (request: FastifyRequest<BySid>, reply: FastifyReply) => {
      const { caller } = accountOf(request);
      const values = posted(request);
      try {
        const notice = await work(caller, request.params.sid, values, request);
        return redirectTo(reply, `/console/sims/${request.params.sid}`, notice);
      } catch (error) {
        if (!isRefusal(error)) throw error;
        return simPage(cx, request, reply, request.params.sid, { [form]: refusal(error, values, fields) }, 422);
      }
    };

  app.post<BySid>('/sims/:sid/status', account, change('status', { callback_url: 'CallbackUrl' }, async (caller, sid, values, request) => {
    const callbackUrl = values.callback_url?.trim() || undefined;
    checkCallbackUrls(cx.http, { CallbackUrl: callbackUrl });
    const sim = await sims.update(caller, sid, { status: values.status ?? '', callbackUrl }, clientIp(request));
    return sim.status === 'scheduled' ? `The operator is unavailable: the change to ${values.status} is scheduled.` : `Asked for ${values.status}: the SIM is ${sim.status}.`;
  }));

  app.post<BySid>('/sims/:sid/rate-plan', account, change('plan', { rate_plan: 'RatePlan' }, async (caller, sid, values, request) => {
    const sim = await sims.update(caller, sid, { ratePlan: values.rate_plan ?? '' }, clientIp(request));
    return `Rate plan change asked for: the SIM is ${sim.status}.`;
  }));

  app.post<BySid>('/sims/:sid/reset', account, change('reset', {}, async (caller, sid, _values, request) => {
    await sims.update(caller, sid, { resetStatus: 'resetting' }, clientIp(request));
    return 'Connectivity reset started.';
  }));

  app.post<BySid>('/sims/:sid/names', account, change('names', { unique_name: 'UniqueName', friendly_name: 'FriendlyName' }, async (caller, sid, values) => {
    await sims.update(caller, sid, { uniqueName: values.unique_name, friendlyName: values.friendly_name });
    return 'Names saved.';
  }));

  app.post<BySid>('/sims/:sid/commands', account, change('command', { command: 'Command' }, async (caller, sid, values) => {
    const command = await cx.services.commands.create(caller, { sim: sid, command: values.command ?? '' });
    return command.status === 'failed' ? `The Command failed: ${command.error_message}` : `Command ${command.sid} is ${command.status}.`;
  }));

  app.get<BySid>('/sims/:sid/live', account, async (request, reply) => {
    const { caller, csrf, signedIn } = accountOf(request);
    const { owner } = await simFor(cx, caller, request.params.sid);
    const headers: Record<string, string> = {};
    setSecurityHeaders({ header: (name: string, value: string) => (headers[name] = value) });
    await cx.live.stream(request, reply, signedIn.session.id_hash, cx.http.config.console.livePollMs, headers, {
      async read() {
        await cx.services.time.clock.refresh();
        const sim = await sims.fetch(owner, request.params.sid);
        return { fragment: String(await liveFragment(cx, owner, sim, csrf, {})), changing: IN_FLIGHT.includes(sim.status) };
      },
    });
  });
}
