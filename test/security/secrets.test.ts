import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { ACCOUNT_SID, ADMIN_TOKEN, AUTH_TOKEN, startWispProcess, stopProcess } from '../helpers/processes.js';
import { createTestDatabaseUrl } from '../helpers/database.js';
import { runWispToExit } from '../helpers/wisp-process.js';
import { until } from '../helpers/lifecycle.js';

// The start banner and the logs: container logs keep both, so neither may carry a secret the
// operator gave, and a generated one appears once.

const occurrences = (text: string, value: string) => text.split(value).length - 1;

describe('secrets in output', () => {
  const SECRET_KEY = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

  it('never prints or logs tokens given through the environment, nor the secret key', async () => {
    const database = await createTestDatabaseUrl();
    const wisp = await startWispProcess(database.url, { LOG_LEVEL: 'trace', WISP_SECRET_KEY: SECRET_KEY });
    try {
      const basic = (secret: string) => 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${secret}`).toString('base64');
      assert.equal((await fetch(`${wisp.url}/v1/Sims`, { headers: { authorization: basic(AUTH_TOKEN) } })).status, 200);
      const wrong = await fetch(`${wisp.url}/v1/Sims`, { headers: { authorization: basic('not-the-token') } });
      assert.equal(wrong.status, 401);
      assert.doesNotMatch(await wrong.text(), /not-the-token/, 'an error body does not echo the secret');
      assert.equal((await fetch(`${wisp.url}/admin/v1/Network`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status, 200);
      const badAdmin = await fetch(`${wisp.url}/admin/v1/Network`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}x` } });
      assert.doesNotMatch(await badAdmin.text(), new RegExp(ADMIN_TOKEN));
      wisp.child.kill('SIGTERM');
      await wisp.exited;
      const output = wisp.output();
      assert.match(output, /Wisp is serving on/);
      assert.match(output, /"msg":"request completed"/, 'requests were logged at this level');
      assert.doesNotMatch(output, /WISP_SECRET_KEY is not set/, 'no warning: the tokens are encrypted');
      const keyForms = [SECRET_KEY, Buffer.from(SECRET_KEY, 'hex').toString('base64'), Buffer.from(SECRET_KEY, 'hex').toString('base64url')];
      for (const secret of [AUTH_TOKEN, ADMIN_TOKEN, basic(AUTH_TOKEN).slice('Basic '.length), 'not-the-token', ...keyForms]) {
        assert.equal(occurrences(output, secret), 0, `${secret.slice(0, 6)}… is not in the output`);
      }
    } finally {
      await stopProcess(wisp);
      await database.cleanup();
    }
  });

  it('prints generated tokens once, and not again at the next start', async () => {
    const database = await createTestDatabaseUrl();
    const env = { WISP_ACCOUNT_SID: '', WISP_AUTH_TOKEN: '', WISP_ADMIN_TOKEN: '' };
    let wisp = await startWispProcess(database.url, env);
    try {
      const first = wisp.output();
      const authToken = /auth token\s+([0-9a-f]{32})/.exec(first)?.[1];
      const adminToken = /admin token\s+(\S+)\s+\(generated/.exec(first)?.[1];
      assert.ok(authToken && adminToken, first);
      assert.equal(occurrences(first, authToken), 1);
      assert.equal(occurrences(first, adminToken), 1);
      // On stderr, beside the banner on stdout.
      await until('the warning about WISP_SECRET_KEY', async () => wisp.output(), (output) => /wisp: warning: WISP_SECRET_KEY is not set: account auth tokens are stored unencrypted/.test(output));
      await stopProcess(wisp);
      wisp = await startWispProcess(database.url, env);
      assert.equal(occurrences(wisp.output(), authToken), 0, 'the stored auth token is not printed again');
    } finally {
      await stopProcess(wisp);
      await database.cleanup();
    }
  });

  it('names a bad WISP_SECRET_KEY without repeating it', async () => {
    const database = await createTestDatabaseUrl();
    try {
      const almost = SECRET_KEY.slice(0, 60);
      const { code, stderr } = await runWispToExit({ DATABASE_URL: database.url, WISP_SECRET_KEY: almost });
      assert.equal(code, 1);
      assert.match(stderr, /^wisp: WISP_SECRET_KEY must be a 256-bit key/);
      assert.equal(occurrences(stderr, almost), 0);
    } finally {
      await database.cleanup();
    }
  });
});
