import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WispJob } from '../../domain/tasks.js';
import { JOB_STATES, type JobState } from '../../engine/index.js';
import { type ConsoleContext, operatorOf, redirectTo, render } from '../context.js';
import { type Html, html, query, when } from '../html.js';
import { emptyForm, input, isRefusal, refusal, select } from '../forms.js';

// Jobs: the dead ones first (each may be retried), then the rest, newest first, with filters.

const PAGE = 50;

function jobsTable(jobs: WispJob[], csrf: string, caption: string): Html {
  const rows = jobs.map((j) => html`<tr>
    <td>${j.id}</td><td class="mono">${j.kind}</td><td>${j.queue ? html`<a class="mono" href="/console/operator/jobs${query({ sim: j.queue })}">${j.queue}</a>` : ''}</td>
    <td><span class="badge job-${j.state}">${j.state}</span></td><td>${j.attempts}</td><td>${when(j.runAt)}</td>
    <td>${j.lastError ? html`<span class="error">${j.lastError.slice(0, 300)}</span>` : ''}</td>
    <td>${j.state === 'dead' && j.kind === 'callback.deliver' ? html`<a href="/console/operator/callbacks/${(j.payload as { callbackId: number }).callbackId}">Replay its callback</a> ` : ''}${j.state === 'dead' ? html`<form method="post" action="/console/operator/jobs/${j.id}/retry"><input type="hidden" name="_csrf" value="${csrf}"><button type="submit" aria-label="Retry job ${j.id}">Retry</button></form>` : ''}</td></tr>`);
  return html`<div class="table-wrap"><table><caption>${caption}</caption><thead><tr><th scope="col">Id</th><th scope="col">Kind</th><th scope="col">SIM</th><th scope="col">State</th><th scope="col">Attempts</th><th scope="col">Due</th><th scope="col">Last error</th><th scope="col"><span class="sr-only">Actions</span></th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

export function jobRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const operator = { config: { access: 'operator' as const } };
  const log = cx.services.jobLog;

  const jobsPage = async (request: FastifyRequest, reply: FastifyReply, error: string | null, status = 200) => {
    const { csrf } = operatorOf(request);
    const q = request.query as Record<string, unknown>;
    const sim = typeof q.sim === 'string' && q.sim.trim() ? q.sim.trim().slice(0, 64) : undefined;
    const kind = typeof q.kind === 'string' && q.kind.trim() ? q.kind.trim().slice(0, 64) : undefined;
    const state = JOB_STATES.find((s) => s === q.state) as JobState | undefined;
    const before = typeof q.before === 'string' && /^\d{1,15}$/.test(q.before) ? Number(q.before) : undefined;
    const [dead, rest] = await Promise.all([
      state === undefined && before === undefined ? log.list({ state: 'dead', queue: sim, kind, limit: PAGE }) : Promise.resolve([]),
      log.list({ state, queue: sim, kind, beforeId: before, limit: PAGE }),
    ]);
    const others = state === undefined ? rest.filter((j) => j.state !== 'dead') : rest;
    const form = emptyForm({ sim: sim ?? '', kind: kind ?? '', state: state ?? '' });
    const next = rest.length === PAGE ? `/console/operator/jobs${query({ sim, kind, state, before: rest[rest.length - 1].id })}` : null;
    const body = html`<h1>Jobs</h1>
      ${error ? html`<p class="error" role="alert">${error}</p>` : ''}
      <form method="get" action="/console/operator/jobs" class="filters" data-auto-submit role="search">
        ${input({ name: 'sim', label: 'SIM SID (queue)', form, attrs: html` spellcheck="false"` })}
        ${input({ name: 'kind', label: 'Kind', form, hint: 'e.g. operator.apply, timer.cancel, callback.deliver' })}
        ${select({ name: 'state', label: 'State', form, options: [{ value: '', label: 'Any state (dead first)' }, ...JOB_STATES.map((s) => ({ value: s, label: s }))] })}
        <div class="actions"><button type="submit">Apply</button> <a href="/console/operator/jobs">Clear</a></div>
      </form>
      ${dead.length > 0 ? html`<section class="card"><h2>Dead jobs</h2><p class="hint">They ran out of attempts. Retry runs one again now, with a fresh count; a dead callback is sent again by replaying it.</p>${jobsTable(dead, csrf, 'Dead jobs, newest first')}</section>` : ''}
      <section class="card"><h2>${state ? `Jobs ${state}` : 'Other jobs'}</h2>
        ${others.length === 0 ? html`<p class="empty">No jobs here.</p>` : jobsTable(others, csrf, 'Jobs, newest first')}
        <nav class="pager" aria-label="Pages of jobs">${before !== undefined ? html`<a href="/console/operator/jobs${query({ sim, kind, state })}">Newest</a>` : ''}${next ? html`<a href="${next}" rel="next">Older</a>` : ''}</nav>
      </section>`;
    return render(cx, request, reply, { title: 'Jobs', section: 'jobs' }, body, status);
  };

  app.get('/operator/jobs', operator, async (request, reply) => jobsPage(request, reply, null));

  app.post<{ Params: { id: string } }>('/operator/jobs/:id/retry', operator, async (request, reply) => {
    const id = /^\d{1,15}$/.test(request.params.id) ? Number(request.params.id) : 0;
    try {
      const job = await log.retry(id);
      return redirectTo(reply, '/console/operator/jobs', `Job ${job.id} (${job.kind}) runs again.`);
    } catch (error) {
      if (!isRefusal(error)) throw error;
      return jobsPage(request, reply, refusal(error, {}).message ?? null, 409);
    }
  });
}
