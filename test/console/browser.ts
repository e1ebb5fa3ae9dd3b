import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { TestServer } from '../helpers/server.js';

// A real Chromium (Debian's package, never a downloaded build) driven by playwright-core, for
// the console's browser tests. Without /usr/bin/chromium the tests fail, saying how to get it.

export const CHROMIUM = process.env.WISP_CHROMIUM ?? '/usr/bin/chromium';

/** Set WISP_SCREENSHOTS=1 to write the docs' screenshots (docs/console/*.png) while the tests run. */
const SCREENSHOTS = process.env.WISP_SCREENSHOTS === '1';

export interface ConsoleBrowser {
  browser: Browser;
  /** A fresh context (its own cookies) at a given window size. */
  context(viewport?: { width: number; height: number }): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function launch(): Promise<ConsoleBrowser> {
  assert.ok(existsSync(CHROMIUM), `the console's browser tests need Chromium at ${CHROMIUM}: apt-get install chromium (Debian's package; .ci/run installs it)`);
  // Each launch gets a fresh, temporary profile of playwright's making (--user-data-dir).
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const contexts: BrowserContext[] = [];
  return {
    browser,
    async context(viewport = { width: 1280, height: 800 }) {
      const context = await browser.newContext({ viewport });
      contexts.push(context);
      return context;
    },
    async close() {
      for (const context of contexts) await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Fails the test on anything the page logs as an error (a script error, a CSP refusal). */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`${message.text()} (${message.location().url}:${message.location().lineNumber})`);
  });
  page.on('pageerror', (error) => errors.push(error.message));
  return errors;
}

export async function signInAsAccount(page: Page, server: TestServer, user = server.accountSid, secret = server.authToken): Promise<void> {
  await page.goto(`${server.url}/console/sign-in`);
  await page.getByLabel('Account SID or API key SID').fill(user);
  await page.getByLabel('Auth token or key secret').fill(secret);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

export async function signInAsOperator(page: Page, server: TestServer): Promise<void> {
  await page.goto(`${server.url}/console/sign-in`);
  await page.getByLabel('Admin token').fill(server.adminToken);
  await page.getByRole('button', { name: 'Sign in as the operator' }).click();
}

/** Writes docs/console/<name>.png when screenshots are asked for. */
export async function screenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  if (!SCREENSHOTS) return;
  const dir = join(process.cwd(), 'docs', 'console');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage });
}
