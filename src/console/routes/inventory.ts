import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { MAX_IMPORT_ROWS } from '../../domain/inventory.js';
import { parseCardCsv } from '../../lib/card-rows.js';
import { type ConsoleContext, operatorOf, render } from '../context.js';
import { type Html, html, query, when } from '../html.js';
import { csrfMatches, refuseCsrf } from '../plugin.js';

// The inventory: SIM cards no account has registered yet, and an import from a CSV file
// (iccid, registration_code, e_id). Without scripts the form uploads the file and the page
// answers with the summary; with them, console.js sends it in parts and shows the progress.

const PAGE = 50;

interface Summary {
  rows: number;
  imported: number;
  unchanged: number;
  rejected: { line: number; iccid: string; reason: string }[];
}

function summaryOf(s: Summary): Html {
  return html`<section class="card" role="status"><h2>Import finished</h2>
    <p>${s.rows.toLocaleString('en')} rows: <strong>${s.imported.toLocaleString('en')} imported</strong>, ${s.unchanged.toLocaleString('en')} already known, ${s.rejected.length.toLocaleString('en')} rejected.</p>
    ${s.rejected.length > 0
      ? html`<div class="table-wrap"><table><caption>Rejected rows${s.rejected.length > 100 ? ' (the first 100)' : ''}</caption><thead><tr><th scope="col">Line</th><th scope="col">ICCID</th><th scope="col">Why</th></tr></thead>
          <tbody>${s.rejected.slice(0, 100).map((r) => html`<tr><td>${r.line}</td><td class="mono">${r.iccid}</td><td>${r.reason}</td></tr>`)}</tbody></table></div>`
      : ''}</section>`;
}

export function inventoryRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const operator = { config: { access: 'operator' as const } };
  const inventory = cx.services.inventory;

  const inventoryPage = async (request: FastifyRequest, reply: FastifyReply, top: Html | null, status = 200) => {
    const { csrf } = operatorOf(request);
    const raw = (request.query as Record<string, unknown>).after;
    const after = typeof raw === 'string' && /^\d{1,22}$/.test(raw) ? raw : undefined;
    const cards = await inventory.unregistered(after, PAGE);
    const body = html`<h1>Inventory</h1>
      ${top}
      <section class="card" aria-labelledby="import-title"><h2 id="import-title">Import SIM cards</h2>
        <p class="hint">A CSV file with a header line: iccid, registration_code and optionally e_id. Cards already known with the same code are left as they are; importing again is harmless.</p>
        <form method="post" action="/console/operator/inventory" enctype="multipart/form-data" data-chunked-import hx-boost="false">
          <input type="hidden" name="_csrf" value="${csrf}">
          <div class="field"><label for="cards-file">CSV file</label><input id="cards-file" type="file" name="cards" accept=".csv,text/csv" required></div>
          <button type="submit">Import</button>
          <progress hidden max="1" value="0" aria-label="Import progress"></progress>
          <p class="progress-text" aria-live="polite"></p>
        </form>
      </section>
      <section class="card" aria-labelledby="unregistered-title"><h2 id="unregistered-title">Cards not registered yet</h2>
        ${cards.length === 0
          ? html`<p class="empty">${after ? 'No more cards.' : 'Every card in the inventory is registered to an account. Import more above.'}</p>`
          : html`<div class="table-wrap"><table><thead><tr><th scope="col">ICCID</th><th scope="col">Registration code</th><th scope="col">EID</th><th scope="col">Imported</th></tr></thead>
              <tbody>${cards.map((c) => html`<tr><td class="mono">${c.iccid}</td><td class="mono">${c.registration_code}</td><td class="mono">${c.e_id ?? ''}</td><td>${when(c.imported_at)}</td></tr>`)}</tbody></table></div>`}
        <nav class="pager" aria-label="Pages of cards">${after ? html`<a href="/console/operator/inventory">First page</a>` : ''}${cards.length === PAGE ? html`<a href="/console/operator/inventory${query({ after: cards[cards.length - 1].iccid })}" rel="next">Next</a>` : ''}</nav>
      </section>`;
    return render(cx, request, reply, { title: 'Inventory', section: 'inventory' }, body, status);
  };

  app.get('/operator/inventory', operator, async (request, reply) => inventoryPage(request, reply, null));

  // The CSRF token comes inside the multipart body, before the file: checked here.
  app.post('/operator/inventory', { config: { access: 'operator', csrfInHandler: true } }, async (request, reply) => {
    const wantsJson = (request.headers.accept ?? '').includes('application/json');
    const fail = (message: string, status: number) =>
      wantsJson ? reply.code(status).send({ error: message }) : inventoryPage(request, reply, html`<p class="error" role="alert">${message}</p>`, status);
    if (!request.isMultipart()) return fail('Choose a CSV file to import.', 400);
    const part = await request.file();
    if (!part || !csrfMatches(request, operatorOf(request).csrf, (part.fields._csrf as { value?: unknown } | undefined)?.value)) {
      return refuseCsrf(cx, request, reply);
    }
    const firstLine = Number((part.fields.first_line as { value?: unknown } | undefined)?.value ?? 1);
    let rows: ReturnType<typeof parseCardCsv>;
    try {
      rows = parseCardCsv((await part.toBuffer()).toString('utf8'));
    } catch (error) {
      return fail(`The file is not CSV: ${(error as Error).message}`, 400);
    }
    const summary: Summary = { rows: rows.length, imported: 0, unchanged: 0, rejected: [] };
    // The line numbers of a part sent by console.js continue the file's.
    const offset = Number.isSafeInteger(firstLine) && firstLine > 1 ? firstLine - 1 : 0;
    for (let start = 0; start < rows.length; start += MAX_IMPORT_ROWS) {
      const batch = rows.slice(start, start + MAX_IMPORT_ROWS);
      const result = await inventory.import(batch.map((r) => r.card));
      summary.imported += result.imported.length;
      summary.unchanged += result.unchanged.length;
      for (const r of result.rejected) summary.rejected.push({ line: batch[r.index].line + offset, iccid: batch[r.index].card.iccid, reason: r.reason });
    }
    if (wantsJson) return reply.send(summary);
    return inventoryPage(request, reply, summaryOf(summary));
  });
}
