import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isSid } from '../../domain/sids.js';
import { type ConsoleContext, operatorOf, redirectTo, render } from '../context.js';
import { html, bytes, query, when } from '../html.js';
import { type FormState, emptyForm, formTop, input, isRefusal, posted, refusal } from '../forms.js';

// The device simulator: what the device in a SIM does. It uses data (metered against the rate
// plan, and refused as the network would), sends a Command, and goes offline or online.

type Forms = Partial<Record<'data' | 'command' | 'online', FormState>>;
const MB = 1_000_000;

/** Megabytes as typed (decimals allowed) in whole bytes; anything else fails the domain's check. */
const megabytes = (value: string | undefined) => (value && /^\d+(\.\d+)?$/.test(value.trim()) ? Math.round(Number(value) * MB) : Number.NaN);

export function deviceRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const operator = { config: { access: 'operator' as const } };
  const { devices, dataSessions, commands } = cx.services;

  const devicePage = async (request: FastifyRequest, reply: FastifyReply, sid: string | undefined, forms: Forms = {}, status = 200) => {
    const { csrf } = operatorOf(request);
    const picker = html`<form method="get" action="/console/operator/devices" class="filters" role="search">
      ${input({ name: 'sim', label: 'SIM SID', form: emptyForm({ sim: sid ?? '' }), attrs: html` spellcheck="false" pattern="DE[0-9a-f]{32}"`, hint: 'The SID of any account\'s SIM (DE…).' })}
      <div class="actions"><button type="submit">Open device</button></div></form>`;
    if (!sid) {
      return render(cx, request, reply, { title: 'Devices', section: 'devices' }, html`<h1>Device simulator</h1>${picker}<p class="empty">Choose a SIM to act as its device.</p>`, status);
    }
    const device = await devices.get(sid);
    const dataForm = forms.data ?? emptyForm({ upload_mb: '0.1', download_mb: '0.5' });
    const commandForm = forms.command ?? emptyForm();
    const body = html`<h1>Device of <span class="mono">${sid}</span></h1>${picker}
      <div class="grid">
      <section class="card"><h2>State</h2><dl class="props">
        <div><dt>Online</dt><dd>${device.online ? 'yes' : 'no'}</dd></div>
        <div><dt>Network</dt><dd>${device.operator_name} (${device.operator_mcc}-${device.operator_mnc}, ${device.operator_country})</dd></div>
        <div><dt>Radio</dt><dd>${device.radio_link}</dd></div>
        <div><dt>Data used in all</dt><dd>${bytes(device.data_bytes_total)}</dd></div>
        <div><dt>Commands in all</dt><dd>${device.commands_total}</dd></div>
        <div><dt>First use</dt><dd>${when(device.first_used_at)}</dd></div></dl>
        <form method="post" action="/console/operator/devices/${sid}/online">${formTop(forms.online ?? emptyForm(), csrf)}
          <input type="hidden" name="online" value="${device.online ? 'false' : 'true'}">
          <button type="submit">${device.online ? 'Go offline' : 'Come online'}</button></form></section>
      <section class="card"><h2>Use data</h2><form method="post" action="/console/operator/devices/${sid}/data">${formTop(dataForm, csrf)}
        ${input({ name: 'upload_mb', label: 'Upload (MB)', form: dataForm, attrs: html` inputmode="decimal"` })}
        ${input({ name: 'download_mb', label: 'Download (MB)', form: dataForm, attrs: html` inputmode="decimal"` })}
        <button type="submit">Use data now</button></form></section>
      <section class="card"><h2>Send a Command from the device</h2><form method="post" action="/console/operator/devices/${sid}/command">${formTop(commandForm, csrf)}
        ${input({ name: 'command', label: 'Command text', form: commandForm, required: true })}
        <button type="submit">Send from the device</button></form></section>
      </div>`;
    return render(cx, request, reply, { title: 'Device', section: 'devices' }, body, status);
  };

  const simOf = (request: FastifyRequest) => {
    const q = (request.query as Record<string, unknown>).sim;
    return typeof q === 'string' && isSid(q.trim(), 'DE') ? q.trim() : typeof q === 'string' && q.trim() ? q.trim().slice(0, 64) : undefined;
  };

  app.get('/operator/devices', operator, async (request, reply) => devicePage(request, reply, simOf(request)));

  const act = (form: keyof Forms, fields: Record<string, string>, work: (sid: string, values: Record<string, string>) => Promise<string>) =>
    async (request: FastifyRequest<{ Params: { sid: string } }>, reply: FastifyReply) => {
      const values = posted(request);
      const sid = request.params.sid;
      try {
        return redirectTo(reply, `/console/operator/devices${query({ sim: sid })}`, await work(sid, values));
      } catch (error) {
        if (!isRefusal(error)) throw error;
        return devicePage(request, reply, sid, { [form]: refusal(error, values, fields) }, 422);
      }
    };

  app.post('/operator/devices/:sid/online', operator, act('online', {}, async (sid, values) => {
    const device = await devices.update(sid, { online: values.online === 'true' });
    return device.online ? 'The device is online; Commands it queued are sent.' : 'The device is offline.';
  }));

  app.post('/operator/devices/:sid/data', operator, act('data', { upload_mb: 'bytes_uploaded', download_mb: 'bytes_downloaded' }, async (sid, values) => {
    const outcome = await dataSessions.record(sid, { bytes_uploaded: megabytes(values.upload_mb), bytes_downloaded: megabytes(values.download_mb) });
    const carried = outcome.session.bytes_uploaded + outcome.session.bytes_downloaded;
    return `Data session ${outcome.session.sid}: ${bytes(carried)} carried${outcome.truncated ? ' (cut at the plan\'s limit)' : ''}${outcome.throttled ? ' (throttled)' : ''}.`;
  }));

  app.post('/operator/devices/:sid/command', operator, act('command', { command: 'command' }, async (sid, values) => {
    const command = await commands.originate(sid, { command: values.command ?? '' });
    return `Command ${command.sid} received from the device.`;
  }));
}
