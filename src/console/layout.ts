import type { FastifyReply } from 'fastify';
import { type Html, html } from './html.js';
import type { Assets } from './assets.js';
import type { SignedIn } from './session.js';

// The page shell: head, skip link, navigation by kind of session, the flash message, main.

export interface PageOptions {
  title: string;
  /** The nav entry to mark as current. */
  section?: string;
  signedIn: SignedIn | null;
  /** A one-time message after a redirect (?notice=…), announced politely. */
  notice?: string | null;
  /** Extra markup for <head> (a refresh while a SIM is changing, for browsers without scripts). */
  head?: Html;
  /** Master accounts get a picker of the account the pages act as. */
  accounts?: { sid: string; name: string }[];
}

const ACCOUNT_NAV: [string, string, string][] = [
  ['fleet', '/console/sims', 'Fleet'],
  ['rate-plans', '/console/rate-plans', 'Rate plans'],
  ['accounts', '/console/accounts', 'Accounts & keys'],
];

const OPERATOR_NAV: [string, string, string][] = [
  ['operator', '/console/operator', 'Clock & network'],
  ['callbacks', '/console/operator/callbacks', 'Callbacks'],
  ['jobs', '/console/operator/jobs', 'Jobs'],
  ['devices', '/console/operator/devices', 'Devices'],
  ['inventory', '/console/operator/inventory', 'Inventory'],
];

// htmx: no inline styles (the CSP allows none: no indicator styles, and no style attribute
// carried over a swap), and swap error answers too, since a refused form comes back as a page
// that says why.
const HTMX_CONFIG = JSON.stringify({
  includeIndicatorStyles: false,
  attributesToSettle: ['class', 'width', 'height'],
  allowEval: false,
  historyCacheSize: 0,
  responseHandling: [
    { code: '204', swap: false },
    { code: '[23]..', swap: true },
    { code: '[45]..', swap: true, error: false },
  ],
});

function nav(options: PageOptions): Html {
  const signedIn = options.signedIn;
  if (!signedIn) return html``;
  const items = signedIn.session.kind === 'operator' ? OPERATOR_NAV : ACCOUNT_NAV;
  const links = items.map(
    ([id, href, label]) => html`<li><a href="${href}"${id === options.section ? html` aria-current="page"` : ''}>${label}</a></li>`,
  );
  const who = signedIn.session.kind === 'operator' ? 'Operator' : (signedIn.signedIn?.keySid ?? signedIn.signedIn?.account.sid ?? '');
  const picker =
    options.accounts && options.accounts.length > 1 && signedIn.caller
      ? html`<form method="post" action="/console/act-as" class="act-as">
          <input type="hidden" name="_csrf" value="${signedIn.session.csrf_token}">
          <label for="act-as">Account</label>
          <select id="act-as" name="account" data-submit-on-change>
            ${options.accounts.map((a) => html`<option value="${a.sid}"${a.sid === signedIn.caller!.account.sid ? html` selected` : ''}>${a.name}</option>`)}
          </select>
          <button type="submit" class="secondary js-hide">Switch</button>
        </form>`
      : '';
  return html`<nav aria-label="Main"><ul>${links}</ul></nav>
    <div class="who">
      ${picker}
      <span class="muted" title="Signed in as">${who}</span>
      <form method="post" action="/console/sign-out">
        <input type="hidden" name="_csrf" value="${signedIn.session.csrf_token}">
        <button type="submit" class="secondary">Sign out</button>
      </form>
    </div>`;
}

export function page(assets: Assets, options: PageOptions, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="htmx-config" content="${HTMX_CONFIG}">
<title>${options.title} · Wisp console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assets.url('console.css')}">
<script src="${assets.url('htmx.js')}" defer></script>
<script src="${assets.url('chart.js')}" defer></script>
<script src="${assets.url('console.js')}" defer></script>
${options.head}
</head>
<body hx-boost="true">
<a class="skip" href="#main">Skip to content</a>
<header class="top">
  <a class="brand" href="/console">Wisp</a>
  ${nav(options)}
</header>
<main id="main" tabindex="-1">
${options.notice ? html`<p class="notice" role="status">${options.notice}</p>` : ''}
${body}
</main>
</body>
</html>`;
}

/** Sends a page: never stored by a cache, since it shows an account's data. */
export function sendPage(reply: FastifyReply, markup: Html, status = 200): FastifyReply {
  return reply.code(status).header('Cache-Control', 'no-store').type('text/html; charset=utf-8').send(String(markup));
}
