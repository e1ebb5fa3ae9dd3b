import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import cookie from '@fastify/cookie';
import multipart from '@fastify/multipart';
import type { HttpContext } from '../http/context.js';
import { DomainError } from '../domain/errors.js';
import { Assets } from './assets.js';
import { ConsoleSessions, sameText } from './session.js';
import { LiveStreams } from './live.js';
import { type ConsoleContext, render, redirectTo } from './context.js';
import { html } from './html.js';
import { signInRoutes } from './routes/sign-in.js';
import { fleetRoutes } from './routes/fleet.js';
import { simRoutes } from './routes/sim.js';
import { bulkRoutes } from './routes/bulk.js';
import { ratePlanRoutes } from './routes/rate-plans.js';
import { accountRoutes } from './routes/accounts.js';
import { operatorRoutes } from './routes/operator.js';
import { callbackRoutes } from './routes/callbacks.js';
import { jobRoutes } from './routes/jobs.js';
import { deviceRoutes } from './routes/devices.js';
import { inventoryRoutes } from './routes/inventory.js';

// The web console under /console: server-rendered pages that work without scripts (forms post
// and redirect), with htmx and Chart.js on top. It reaches Wisp only through the domain
// services, as the admin API does.

const SECURITY_HEADERS = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

export function setSecurityHeaders(reply: { header(name: string, value: string): unknown }): void {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
}

export async function consoleRoutes(app: FastifyInstance, http: HttpContext): Promise<void> {
  const cx: ConsoleContext = {
    http,
    services: http.services,
    assets: new Assets(),
    sessions: new ConsoleSessions(http),
    live: new LiveStreams(http.config.console.maxStreams),
  };
  await app.register(cookie);
  // A CSV of cards is the one file the console takes.
  await app.register(multipart, { limits: { files: 1, fields: 10, fileSize: http.config.http.maxBodyBytes } });
  app.decorateRequest('signedIn', null);
  app.addHook('preClose', async () => cx.live.closeAll());

  app.addHook('onRequest', async (_request, reply) => setSecurityHeaders(reply));
  // How long the page took on the server, for the browser's tools and the bench.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('Server-Timing', `app;dur=${reply.elapsedTime.toFixed(1)}`);
    return payload;
  });

  app.addHook('preHandler', async (request, reply) => {
    const access = request.routeOptions.config.access ?? 'public';
    if (access === 'public') return;
    const state = await cx.sessions.load(request);
    if ('ended' in state) {
      cx.sessions.clearCookie(reply, request, 'wisp_console');
      const next = request.method === 'GET' ? request.url : undefined;
      const target = `/console/sign-in${next ? `?next=${encodeURIComponent(next)}` : ''}`;
      return redirectTo(reply, target, state.ended ?? undefined);
    }
    request.signedIn = state;
    if (access !== 'any' && state.session.kind !== access) {
      const want = access === 'operator' ? 'the operator (with the admin token)' : 'an account (Account SID and auth token, or an API key)';
      return render(cx, request, reply, { title: 'Not for this session' }, html`<h1>Not for this session</h1>
        <p>This page is for ${want}. Sign out, then sign in as ${access === 'operator' ? 'the operator' : 'an account'}.</p>`, 403);
    }
    if (request.method === 'POST' && !request.routeOptions.config.csrfInHandler) {
      if (!csrfMatches(request, state.session.csrf_token)) return refuseCsrf(cx, request, reply);
    }
  });

  app.setErrorHandler(async (error: Error & { statusCode?: number }, request, reply) => {
    if (error instanceof DomainError) {
      return render(cx, request, reply, { title: 'Not accepted' }, html`<h1>Not accepted</h1><p class="error">${error.message}</p>`, error.code === 'not_found' ? 404 : 400);
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      return render(cx, request, reply, { title: 'Not accepted' }, html`<h1>Not accepted</h1><p class="error">${error.message}</p>`, status);
    }
    const fault = http.faults.fault(error, request.log);
    if (fault) {
      reply.header('Retry-After', '1');
      return render(cx, request, reply, { title: 'Unavailable' }, html`<h1>The database cannot be used right now</h1><p>${fault.message}. Try again in a moment; nothing was changed.</p>`, 503);
    }
    http.faults.unexpected(error, request.log, 'console request failed');
    return render(cx, request, reply, { title: 'Error' }, html`<h1>Something went wrong</h1><p>The error was logged. Try again, or go back to the <a href="/console">console</a>.</p>`, 500);
  });

  app.setNotFoundHandler(async (request, reply) =>
    render(cx, request, reply, { title: 'Not found' }, html`<h1>Not found</h1><p>There is no console page at ${request.url.split('?')[0]}. Go to the <a href="/console">console</a>.</p>`, 404),
  );

  app.get<{ Params: { file: string } }>('/assets/:file', async (request, reply) => {
    const asset = cx.assets.find(`/console/assets/${request.params.file}`);
    if (!asset) return reply.code(404).type('text/plain').send('not found');
    return reply.header('Cache-Control', 'public, max-age=31536000, immutable').type(asset.type).send(asset.body);
  });

  app.get('/', { config: { access: 'public' } }, async (request, reply) => {
    const state = await cx.sessions.load(request);
    if ('ended' in state) return redirectTo(reply, '/console/sign-in');
    return redirectTo(reply, state.session.kind === 'operator' ? '/console/operator' : '/console/sims');
  });

  signInRoutes(app, cx);
  fleetRoutes(app, cx);
  simRoutes(app, cx);
  bulkRoutes(app, cx);
  ratePlanRoutes(app, cx);
  accountRoutes(app, cx);
  operatorRoutes(app, cx);
  callbackRoutes(app, cx);
  jobRoutes(app, cx);
  deviceRoutes(app, cx);
  inventoryRoutes(app, cx);
}

export function csrfMatches(request: FastifyRequest, expected: string, given?: unknown): boolean {
  const token = given ?? (request.body as Record<string, unknown> | undefined)?._csrf;
  return typeof token === 'string' && sameText(token, expected);
}

export function refuseCsrf(cx: ConsoleContext, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  return render(cx, request, reply, { title: 'Form refused' }, html`<h1>Form refused</h1>
    <p class="error">The form was missing its security token, or it came from another page or site. Nothing was changed.</p>
    <p>Go back, reload the page and try again.</p>`, 403);
}
