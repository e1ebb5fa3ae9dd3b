import type { Caller } from '../../domain/caller.js';
import type { Services } from '../../domain/services.js';
import type { Sim } from '../../domain/models.js';
import type { CallbackDelivery } from '../../domain/callbacks.js';
import type { Command } from '../../domain/devices/device-models.js';
import type { MonitorEvent } from '../../domain/models.js';
import { type Html, html, when } from '../html.js';
import { statusBadge } from './badges.js';

// A Sim's timeline: its Monitor events, its callbacks (request, answer, attempts) and its
// Commands, newest first, merged into one list.

const PER_SOURCE = 30;

export interface TimelineItem {
  at: number;
  /** Orders items of the same instant: the change, then its callback, then Commands. */
  rank: number;
  body: Html;
}

function changes(event: MonitorEvent): Html {
  const props = (event.event_data?.resource_properties ?? {}) as Record<string, { previous?: unknown; updated?: unknown }>;
  const rows = Object.entries(props).map(([name, change]) => {
    const show = (v: unknown) => (name === 'status' && typeof v === 'string' ? statusBadge(v) : html`<span class="mono">${v === null || v === undefined ? 'none' : String(v)}</span>`);
    return html`<li>${name}: ${show(change.previous)} → ${show(change.updated)}</li>`;
  });
  return rows.length ? html`<ul class="changes">${rows}</ul>` : html``;
}

function eventItem(event: MonitorEvent): TimelineItem {
  const who = event.actor_type === 'system' ? 'Wisp' : `${event.actor_type ?? 'unknown'} ${event.actor_sid ?? ''}`;
  return {
    at: event.event_date,
    rank: 0,
    body: html`<p><strong>${event.description ?? event.event_type}</strong> <span class="muted">by ${who}, ${event.source}</span></p>${changes(event)}`,
  };
}

function callbackItem(c: CallbackDelivery): TimelineItem {
  const params = Object.entries(c.params).map(([k, v]) => html`<tr><th scope="row">${k}</th><td class="mono">${v}</td></tr>`);
  const answer =
    c.attempts === 0
      ? html`<p class="muted">Not attempted yet.</p>`
      : html`<p>Last answer: ${c.response_status ?? 'none'}${c.error ? html` <span class="error">${c.error}</span>` : ''}${c.duration_ms !== null ? html` <span class="muted">in ${c.duration_ms} ms</span>` : ''}</p>
          ${c.response_body ? html`<pre class="body">${c.response_body}</pre>` : ''}`;
  return {
    at: c.date_created,
    rank: 1,
    body: html`<details>
      <summary><strong>Callback</strong> ${c.params.SimStatus ? statusBadge(c.params.SimStatus) : ''} <span class="badge cb-${c.state}">${c.state}</span>
        <span class="muted">${c.method} ${c.url}, ${c.attempts} attempt${c.attempts === 1 ? '' : 's'}${c.replay_of !== null ? `, replay of #${c.replay_of}` : ''}</span></summary>
      <table class="kv"><caption>Request parameters</caption>${params}</table>
      ${answer}
      <p class="muted">First attempt ${when(c.first_attempt_at)}; last ${when(c.last_attempt_at)}; delivered ${when(c.delivered_at)}.</p>
    </details>`,
  };
}

function commandItem(c: Command): TimelineItem {
  const arrow = c.direction === 'to_sim' ? 'to the SIM' : 'from the SIM';
  return {
    at: c.date_created,
    rank: 2,
    body: html`<p><strong>Command ${arrow}</strong> <span class="badge cmd-${c.status}">${c.status}</span> <span class="mono">${c.command}</span>
      ${c.error_code !== null ? html`<br><span class="error">${c.error_message} (error ${c.error_code})</span>` : ''}</p>`,
  };
}

/** The newest items of each source about `sim`, seen as `caller` (who may see the Sim). */
export async function timelineOf(services: Services, caller: Caller, sim: Sim): Promise<TimelineItem[]> {
  const [events, callbacks, commands] = await Promise.all([
    services.events.list(caller, { resourceSid: sim.sid }, { limit: PER_SOURCE }),
    services.callbackLog.list({ simSid: sim.sid, limit: PER_SOURCE }),
    // The newest Commands: read back from the end.
    services.commands.list(caller, { sim: sim.sid }, { beforeSeq: Number.MAX_SAFE_INTEGER, limit: PER_SOURCE }),
  ]);
  const items = [...events.items.map(eventItem), ...callbacks.map(callbackItem), ...commands.items.map(commandItem)];
  return items.sort((a, b) => b.at - a.at || b.rank - a.rank);
}

export function timeline(items: TimelineItem[]): Html {
  if (items.length === 0) return html`<p class="empty">Nothing has happened to this SIM yet: changes, callbacks and Commands show here.</p>`;
  return html`<ol class="timeline">${items.map((item) => html`<li>${when(item.at)} ${item.body}</li>`)}</ol>`;
}
