import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pause } from '../../http/throttle.js';
import { unstorableText } from '../../http/wire-guard.js';
import { type ConsoleContext, redirectTo, render } from '../context.js';
import { type FormState, emptyForm, formTop, input, posted } from '../forms.js';
import { html } from '../html.js';
import { SESSION_COOKIE, SIGN_IN_COOKIE } from '../session.js';
import { csrfMatches, refuseCsrf } from '../plugin.js';

// Sign-in with an Account SID and auth token, an API key SID and secret, or the admin token;
// failures count against the same login throttle as the API's. Sign-out ends the session in
// the database, so every process forgets it at once.

/** Only a console path may be the page to return to after signing in. */
function safeNext(next: unknown): string | null {
  return typeof next === 'string' && /^\/console(\/[^\s\\]*)?$/.test(next.split('?')[0]) && !next.startsWith('//') ? next : null;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

function signInPage(cx: ConsoleContext, request: FastifyRequest, reply: FastifyReply, token: string, forms: { account: FormState; operator: FormState }, status = 200) {
  const next = safeNext(forms.account.values.next ?? (request.query as Record<string, unknown>).next) ?? '';
  return render(cx, request, reply, { title: 'Sign in' }, html`<h1>Sign in to the Wisp console</h1>
    <div class="cards">
      <section class="card" aria-labelledby="as-account">
        <h2 id="as-account">An account</h2>
        <p class="hint">Your Account SID and auth token, or an API key SID and its secret: the credentials the API takes.</p>
        <form method="post" action="/console/sign-in" hx-boost="false">
          ${formTop(forms.account, token)}
          <input type="hidden" name="kind" value="account">
          <input type="hidden" name="next" value="${next}">
          ${input({ name: 'user', label: 'Account SID or API key SID', form: forms.account, required: true, attrs: html` autocomplete="username" spellcheck="false"` })}
          ${input({ name: 'secret', label: 'Auth token or key secret', type: 'password', form: { ...forms.account, values: {} }, required: true, attrs: html` autocomplete="current-password"` })}
          <button type="submit">Sign in</button>
        </form>
      </section>
      <section class="card" aria-labelledby="as-operator">
        <h2 id="as-operator">The operator</h2>
        <p class="hint">The admin token (WISP_ADMIN_TOKEN) opens the operator's pages: the clock, the network, callbacks, jobs, devices and the inventory.</p>
        <form method="post" action="/console/sign-in" hx-boost="false">
          ${formTop(forms.operator, token)}
          <input type="hidden" name="kind" value="operator">
          <input type="hidden" name="next" value="${next}">
          ${input({ name: 'admin_token', label: 'Admin token', type: 'password', form: { ...forms.operator, values: {} }, required: true, attrs: html` autocomplete="current-password"` })}
          <button type="submit">Sign in as the operator</button>
        </form>
      </section>
    </div>`, status);
}

export function signInRoutes(app: FastifyInstance, cx: ConsoleContext): void {
  const { sessions } = cx;
  const throttle = cx.http.auth.throttle;
  const adminDigest = digest(cx.http.adminToken);
  const lifetimeSeconds = Math.floor(cx.http.config.console.sessions.lifetimeMs / 1000);

  /** The sign-in form's CSRF token lives in a cookie of its own until there is a session. */
  const formToken = (request: FastifyRequest, reply: FastifyReply) => {
    const known = request.cookies[SIGN_IN_COOKIE];
    if (known && /^[A-Za-z0-9_-]{32}$/.test(known)) return known;
    const token = randomBytes(24).toString('base64url');
    sessions.setCookie(reply, request, SIGN_IN_COOKIE, token, undefined);
    return token;
  };

  app.get('/sign-in', async (request, reply) => signInPage(cx, request, reply, formToken(request, reply), { account: emptyForm(), operator: emptyForm() }));

  app.post('/sign-in', async (request, reply) => {
    const values = posted(request);
    const cookieToken = request.cookies[SIGN_IN_COOKIE];
    if (!cookieToken || !csrfMatches(request, cookieToken)) return refuseCsrf(cx, request, reply);
    const fail = (kind: 'account' | 'operator', message: string, status: number) => {
      const forms = { account: emptyForm({ next: values.next ?? '' }), operator: emptyForm({ next: values.next ?? '' }) };
      forms[kind] = { values: kind === 'account' ? { user: values.user ?? '', next: values.next ?? '' } : { next: values.next ?? '' }, errors: {}, message };
      return signInPage(cx, request, reply, cookieToken, forms, status);
    };
    const signedIn = async (id: string, fallback: string) => {
      sessions.clearCookie(reply, request, SIGN_IN_COOKIE);
      sessions.setCookie(reply, request, SESSION_COOKIE, id, lifetimeSeconds);
      return redirectTo(reply, safeNext(values.next) ?? fallback);
    };

    if (values.kind === 'operator') {
      const retryAfter = cx.http.adminThrottle.retryAfter(request.ip);
      if (retryAfter !== null) return fail('operator', `Too many wrong admin tokens from this address; try again in ${retryAfter} seconds.`, 429);
      const token = values.admin_token ?? '';
      if (!timingSafeEqual(digest(token), adminDigest)) {
        await pause(await cx.http.adminThrottle.fail(request.ip));
        return fail('operator', 'That is not the admin token.', 401);
      }
      const { id } = await cx.services.consoleSessions.signInOperator(sessions.adminProof);
      return signedIn(id, '/console/operator');
    }

    const user = (values.user ?? '').trim();
    const secret = values.secret ?? '';
    const retryAfter = throttle.retryAfter(request.ip, user || undefined);
    if (retryAfter !== null) return fail('account', `Too many failed sign-ins from this address; try again in ${retryAfter} seconds.`, 429);
    if (!user || !secret) return fail('account', 'Give both the SID and its secret.', 400);
    const bad = unstorableText(user) ?? unstorableText(secret);
    if (bad || user.length > 64 || secret.length > 256) return fail('account', 'The SID or secret contains characters no credential has.', 400);
    const result = await cx.services.consoleSessions.signIn(user, secret);
    if (result === 'account_inactive') return fail('account', 'This account is suspended or closed.', 401);
    if (typeof result === 'string') {
      await pause(await throttle.fail(request.ip, user));
      return fail('account', 'The SID or the secret is not right.', 401);
    }
    throttle.succeed(user);
    return signedIn(result.id, '/console/sims');
  });

  app.post('/sign-out', { config: { access: 'any' } }, async (request, reply) => {
    await cx.services.consoleSessions.end(request.signedIn!.session);
    sessions.clearCookie(reply, request, SESSION_COOKIE);
    return redirectTo(reply, '/console/sign-in', 'You are signed out.');
  });

  app.post('/act-as', { config: { access: 'account' } }, async (request, reply) => {
    const { session, signedIn } = request.signedIn!;
    const chosen = posted(request).account ?? '';
    const account = signedIn && chosen ? await cx.services.accounts.fetch(signedIn, chosen) : null;
    if (!account || account.status !== 'active') return redirectTo(reply, '/console/sims', 'That account cannot be chosen.');
    await cx.services.consoleSessions.actAs(session, account.sid === signedIn!.account.sid ? null : account.sid);
    return redirectTo(reply, '/console/sims', `Now showing ${account.friendly_name}.`);
  });
}

