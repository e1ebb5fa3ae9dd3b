import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, type TestServer } from '../helpers/server.js';
import { type ConsoleBrowser, launch, screenshot, signInAsAccount, signInAsOperator, watchErrors } from './browser.js';

// Signing in and out, what ends a session, the cookie's flags, CSRF, and the security headers,
// in a real Chromium against a real Wisp.

describe('console sessions', () => {
  let server: TestServer;
  let chrome: ConsoleBrowser;

  before(async () => {
    server = await startServer();
    chrome = await launch();
  });
  after(async () => {
    await chrome?.close();
    await server?.close();
  });

  test('an account signs in with its SID and auth token, sees its fleet, and signs out', async () => {
    const context = await chrome.context();
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto(`${server.url}/console`);
    await page.getByRole('heading', { name: 'Sign in to the Wisp console' }).waitFor();
    await screenshot(page, 'sign-in');
    await signInAsAccount(page, server);
    await page.getByRole('heading', { name: /^Fleet of / }).waitFor();
    assert.match(page.url(), /\/console\/sims$/);

    const [cookie] = (await context.cookies()).filter((c) => c.name === 'wisp_console');
    assert.ok(cookie, 'the session cookie is set');
    assert.equal(cookie.httpOnly, true);
    assert.equal(cookie.sameSite, 'Strict');
    assert.equal(cookie.secure, false, 'not Secure over plain HTTP');
    assert.equal(cookie.path, '/console');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByText('You are signed out.').waitFor();
    // The old cookie opens nothing any more, in this process or any other: the row is gone.
    const replay = await fetch(`${server.url}/console/sims`, { headers: { cookie: `wisp_console=${cookie.value}` }, redirect: 'manual' });
    assert.equal(replay.status, 303);
    assert.match(replay.headers.get('location') ?? '', /^\/console\/sign-in/);
    assert.deepEqual(errors, []);
  });

  test('a wrong secret is refused on the form, keeps the SID typed, and counts as a failed login', async () => {
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server, server.accountSid, '0'.repeat(32));
    await page.getByText('The SID or the secret is not right.').waitFor();
    assert.equal(await page.getByLabel('Account SID or API key SID').inputValue(), server.accountSid);
    assert.equal(await page.getByLabel('Auth token or key secret').inputValue(), '', 'the secret is never sent back');
  });

  test('the operator signs in with the admin token and reaches the operator pages only', async () => {
    const page = await (await chrome.context()).newPage();
    const errors = watchErrors(page);
    await signInAsOperator(page, server);
    await page.getByRole('heading', { name: 'Clock & network' }).waitFor();
    assert.deepEqual(errors, []);
    const fleet = await page.goto(`${server.url}/console/sims`);
    assert.equal(fleet?.status(), 403, 'an account page is not the operator\'s');
    await page.getByText('This page is for an account').waitFor();
  });

  test('an API key signs in; deleting the key ends its session at once', async () => {
    const created = await server.request('POST', `/2010-04-01/Accounts/${server.accountSid}/Keys.json`, { form: { FriendlyName: 'console key' } });
    assert.equal(created.status, 201);
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server, created.body.sid, created.body.secret);
    await page.getByRole('heading', { name: /^Fleet of / }).waitFor();

    // The master deletes the key in its own console session.
    const master = await (await chrome.context()).newPage();
    await signInAsAccount(master, server);
    await master.goto(`${server.url}/console/accounts/${server.accountSid}`);
    await master.getByRole('button', { name: `Delete key ${created.body.sid}` }).click();
    await master.getByText(`Key ${created.body.sid} deleted`).waitFor();

    await page.goto(`${server.url}/console/sims`);
    await page.getByText('Your session ended: the API key or account you signed in with no longer exists.').waitFor();
    assert.match(page.url(), /\/console\/sign-in/);
  });

  test('suspending a subaccount ends the sessions signed in with its credentials', async () => {
    const sub = await server.request('POST', '/2010-04-01/Accounts.json', { form: { FriendlyName: 'Tenant' } });
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server, sub.body.sid, sub.body.auth_token);
    await page.getByRole('heading', { name: 'Fleet of Tenant' }).waitFor();
    const suspended = await server.request('POST', `/2010-04-01/Accounts/${sub.body.sid}.json`, { form: { Status: 'suspended' } });
    assert.equal(suspended.body.status, 'suspended');
    await page.goto(`${server.url}/console/rate-plans`);
    await page.getByText('Your session ended: the account is suspended or closed.').waitFor();
  });

  test('a POST without the CSRF token is refused and changes nothing', async () => {
    const context = await chrome.context();
    const page = await context.newPage();
    await signInAsAccount(page, server);
    await page.getByRole('heading', { name: /^Fleet of / }).waitFor();
    const plansBefore = await server.request('GET', '/v1/RatePlans');
    // The browser's own cookies, a form post without the token, as another site's form would send.
    const forged = await context.request.post(`${server.url}/console/rate-plans`, { form: { unique_name: 'forged', data_limit: '10' }, maxRedirects: 0 });
    assert.equal(forged.status(), 403);
    assert.match(await forged.text(), /Nothing was changed/);
    const wrong = await context.request.post(`${server.url}/console/rate-plans`, { form: { unique_name: 'forged', data_limit: '10', _csrf: 'x'.repeat(32) }, maxRedirects: 0 });
    assert.equal(wrong.status(), 403);
    const plansAfter = await server.request('GET', '/v1/RatePlans');
    assert.deepEqual(plansAfter.body.rate_plans, plansBefore.body.rate_plans);

    // The same form with its token goes through.
    await page.goto(`${server.url}/console/rate-plans`);
    await page.getByLabel('Unique name').fill('made-here');
    await page.getByRole('button', { name: 'Create rate plan' }).click();
    await page.getByText('Rate plan made-here created.').waitFor();
  });

  test('a key made in the console shows its secret once, and the secret works', async () => {
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server);
    await page.goto(`${server.url}/console/accounts/${server.accountSid}`);
    await page.getByLabel('Key name').fill('made in the console');
    await page.getByRole('button', { name: 'Create key' }).click();
    await page.getByText('Copy its secret now: it is shown this once and never again.').waitFor();
    const secret = await page.getByLabel('Secret').inputValue();
    const sid = /Key (SK[0-9a-f]{32}) created/.exec(await page.locator('.secret').innerText())![1];
    const withKey = await server.request('GET', '/v1/Sims', { auth: [sid, secret] });
    assert.equal(withKey.status, 200, 'the secret shown is the key\'s');
    await page.goto(`${server.url}/console/accounts/${server.accountSid}`);
    assert.equal(await page.getByLabel('Secret').count(), 0, 'shown no more');
    assert.doesNotMatch(await page.content(), new RegExp(secret));
  });

  test('pages carry a strict Content-Security-Policy, refuse framing and are never cached', async () => {
    const page = await (await chrome.context()).newPage();
    await signInAsAccount(page, server);
    const response = await page.goto(`${server.url}/console/sims`);
    const headers = response!.headers();
    assert.match(headers['content-security-policy'], /script-src 'self';/);
    assert.match(headers['content-security-policy'], /frame-ancestors 'none'/);
    assert.doesNotMatch(headers['content-security-policy'], /unsafe-inline/);
    assert.equal(headers['x-frame-options'], 'DENY');
    assert.equal(headers['cache-control'], 'no-store');
    assert.match(headers['server-timing'], /^app;dur=\d/);
  });
});

async function signInForm(server: TestServer, fields: Record<string, string>): Promise<Response> {
  const form = await fetch(`${server.url}/console/sign-in`);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
  const cookie = form.headers.getSetCookie()[0].split(';')[0];
  return fetch(`${server.url}/console/sign-in`, { method: 'POST', body: new URLSearchParams({ _csrf: token, ...fields }), headers: { cookie }, redirect: 'manual' });
}

describe('console limits', () => {
  test('failed sign-ins count in the API\'s login throttle', async () => {
    const server = await startServer({ WISP_AUTH_MAX_FAILURES: '3' });
    try {
      for (let i = 0; i < 3; i++) assert.equal((await signInForm(server, { kind: 'account', user: server.accountSid, secret: 'wrong' })).status, 401);
      const refused = await signInForm(server, { kind: 'account', user: server.accountSid, secret: server.authToken });
      assert.equal(refused.status, 429);
      assert.match(await refused.text(), /Too many failed sign-ins from this address/);
      // The same counters as HTTP Basic: this address is refused there too.
      assert.equal((await server.request('GET', '/v1/Sims')).status, 429);
    } finally {
      await server.close();
    }
  });

  test('live pages beyond WISP_CONSOLE_MAX_STREAMS are refused, and the page still opens', async () => {
    const server = await startServer({ WISP_CONSOLE_MAX_STREAMS: '0' });
    try {
      const signedIn = await signInForm(server, { kind: 'account', user: server.accountSid, secret: server.authToken });
      const cookie = signedIn.headers.getSetCookie().find((c) => c.startsWith('wisp_console='))!.split(';')[0];
      const [card] = await server.stockSims(1);
      const sim = await server.request('POST', '/v1/Sims', { form: { Iccid: card.iccid, RegistrationCode: card.code } });
      const live = await fetch(`${server.url}/console/sims/${sim.body.sid}/live`, { headers: { cookie } });
      assert.equal(live.status, 503);
      assert.equal((await fetch(`${server.url}/console/sims/${sim.body.sid}`, { headers: { cookie } })).status, 200);
    } finally {
      await server.close();
    }
  });
});

describe('console cookies behind HTTPS', () => {
  test('the session cookie is Secure when the public URL is https', async () => {
    const server = await startServer({ WISP_PUBLIC_URL: 'https://wisp.example.com' });
    try {
      const form = await fetch(`${server.url}/console/sign-in`);
      const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())![1];
      const signInCookie = form.headers.getSetCookie()[0].split(';')[0];
      const body = new URLSearchParams({ _csrf: token, kind: 'account', user: server.accountSid, secret: server.authToken });
      const res = await fetch(`${server.url}/console/sign-in`, { method: 'POST', body, headers: { cookie: signInCookie }, redirect: 'manual' });
      assert.equal(res.status, 303);
      const session = res.headers.getSetCookie().find((c) => c.startsWith('wisp_console='));
      assert.ok(session, 'a session cookie is set');
      assert.match(session, /; Secure/);
      assert.match(session, /; HttpOnly/);
      assert.match(session, /; SameSite=Strict/);
    } finally {
      await server.close();
    }
  });
});
