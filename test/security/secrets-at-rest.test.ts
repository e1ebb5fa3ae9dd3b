import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createWisp, type Wisp } from '../../src/app.js';
import { connect } from '../../src/store/connect.js';
import { SecretBox, SecretKeyError, keyIdOf } from '../../src/lib/secret-box.js';
import { createTestDatabaseUrl, type TestDatabase } from '../helpers/database.js';
import { assertSigned, startFastServer, startReceiver, settledAt, simAt } from '../helpers/lifecycle.js';

// Account auth tokens are encrypted at rest when WISP_SECRET_KEY is set: sealed with AES-256-GCM,
// each naming its key and bound to its account; sealed at start where they were plain, moved to
// a new key in a rotation, opened again when the key is withdrawn; snapshots likewise.

const ACCOUNT_SID = 'AC' + '5ea1'.repeat(8);
const AUTH_TOKEN = '7c0ffee0'.repeat(4);
const KEY_A = randomBytes(32);
const KEY_B = randomBytes(32);

describe('SecretBox', () => {
  it('seals so that only the right key, for the right row, opens', () => {
    const box = new SecretBox(KEY_A);
    const sealed = box.seal(AUTH_TOKEN, 'ACone');
    assert.match(sealed, new RegExp(`^wisp:v1:${keyIdOf(KEY_A)}:`));
    assert.ok(!sealed.includes(AUTH_TOKEN));
    assert.notEqual(box.seal(AUTH_TOKEN, 'ACone'), sealed, 'a fresh IV each time');
    assert.equal(box.open(sealed, 'ACone'), AUTH_TOKEN);
    assert.throws(() => box.open(sealed, 'ACother'), SecretKeyError, 'moved to another row, it does not open');
    const tampered = sealed.slice(0, -2) + (sealed.endsWith('A') ? 'BB' : 'AA');
    assert.throws(() => box.open(tampered, 'ACone'), SecretKeyError);
    assert.throws(() => new SecretBox(KEY_B).open(sealed, 'ACone'), (error: Error) => error instanceof SecretKeyError && error.message.includes(keyIdOf(KEY_A)));
    assert.equal(new SecretBox(KEY_B, [KEY_A]).open(sealed, 'ACone'), AUTH_TOKEN, 'a previous key still opens');
    assert.equal(new SecretBox(null).seal(AUTH_TOKEN, 'ACone'), AUTH_TOKEN, 'without a key, plain');
    assert.equal(box.open(AUTH_TOKEN, 'ACone'), AUTH_TOKEN, 'a plain value reads as it is');
  });

  it('refuses a key that is not 256 bits without repeating it', () => {
    const short = 'ab'.repeat(20);
    assert.throws(() => loadConfig({ WISP_SECRET_KEY: short }), (error: Error) => /WISP_SECRET_KEY must be a 256-bit key/.test(error.message) && !error.message.includes(short));
    assert.throws(() => loadConfig({ WISP_SECRET_KEY_PREVIOUS: `${KEY_A.toString('hex')},${short}` }), /WISP_SECRET_KEY_PREVIOUS \(key 2\)/);
    assert.deepEqual(loadConfig({ WISP_SECRET_KEY: KEY_A.toString('base64') }).secretKey, KEY_A);
    assert.deepEqual(loadConfig({ WISP_SECRET_KEY: KEY_A.toString('hex') }).secretKey, KEY_A);
  });
});

describe('auth tokens at rest', () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabaseUrl();
  });
  after(() => database.cleanup());

  const start = (env: Record<string, string> = {}) =>
    createWisp(
      loadConfig({ DATABASE_URL: database.url, WISP_DEMO: '0', WISP_ACCOUNT_SID: ACCOUNT_SID, WISP_AUTH_TOKEN: AUTH_TOKEN, WISP_ADMIN_TOKEN: 'at-rest-admin-token-0123456789abcdef', ...env }),
      { logger: false },
    );
  const hex = (key: Buffer) => key.toString('hex');

  /** The stored auth tokens, and the snapshots' data, read straight from the database. */
  async function stored(): Promise<{ tokens: string[]; snapshots: string[] }> {
    const { db } = await connect(database.url);
    try {
      const tokens = (await db.selectFrom('accounts').select('auth_token').execute()).map((r) => r.auth_token);
      const snapshots = (await db.selectFrom('snapshots').select('data').execute()).map((r) => r.data);
      return { tokens, snapshots };
    } finally {
      await db.destroy();
    }
  }

  /** Whether `user:secret` passes Basic authentication on a Wisp. */
  const accepts = async (wisp: Wisp, user: string, secret: string) => (await wisp.services.credentials.authenticate(user, secret)) instanceof Object;

  let subSid = '';
  let subToken = '';

  it('seals tokens stored plain before a key was set, the snapshots too, and reads them back', async () => {
    let wisp = await start();
    const sub = await wisp.services.accounts.create({ account: wisp.master, credentialAccount: wisp.master, keySid: null }, 'tenant');
    [subSid, subToken] = [sub.sid, sub.auth_token];
    await wisp.services.state.save('before-key');
    assert.equal(wisp.secrets.keyId, null);
    await wisp.close();
    const plain = await stored();
    assert.ok(plain.tokens.includes(subToken), 'without a key the token is stored as it is');

    wisp = await start({ WISP_SECRET_KEY: hex(KEY_A) });
    try {
      assert.deepEqual(wisp.secrets, { keyId: keyIdOf(KEY_A), resealed: { accounts: 2, snapshots: 1 } });
      const sealed = await stored();
      for (const token of sealed.tokens) assert.match(token, new RegExp(`^wisp:v1:${keyIdOf(KEY_A)}:`));
      for (const text of [...sealed.tokens, ...sealed.snapshots]) {
        assert.ok(!text.includes(subToken) && !text.includes(AUTH_TOKEN), 'no token is left plain, in a table or a snapshot');
      }
      assert.ok(await accepts(wisp, subSid, subToken));
      assert.ok(await accepts(wisp, ACCOUNT_SID, AUTH_TOKEN));
      assert.equal(await wisp.services.credentials.authenticate(subSid, 'f'.repeat(32)), 'wrong_secret');
      // A snapshot taken plain restores sealed.
      await wisp.services.state.restore('before-key');
      assert.ok((await stored()).tokens.every((t) => t.startsWith('wisp:v1:')));
      assert.ok(await accepts(wisp, subSid, subToken));
    } finally {
      await wisp.close();
    }
  });

  it('will not start without the key that sealed them, and says which setting to give', async () => {
    for (const env of [{}, { WISP_SECRET_KEY: hex(KEY_B) }] as Record<string, string>[]) {
      await assert.rejects(start(env), (error: Error) => {
        assert.match(error.message, new RegExp(`sealed with key ${keyIdOf(KEY_A)}.*WISP_SECRET_KEY or WISP_SECRET_KEY_PREVIOUS`));
        assert.ok(!error.message.includes(hex(KEY_A)) && !error.message.includes(hex(KEY_B)));
        return true;
      });
    }
  });

  it('moves every token to a new key in a rotation, then needs only the new key', async () => {
    let wisp = await start({ WISP_SECRET_KEY: hex(KEY_B), WISP_SECRET_KEY_PREVIOUS: hex(KEY_A) });
    try {
      assert.deepEqual(wisp.secrets.resealed, { accounts: 2, snapshots: 1 });
      await wisp.services.state.save('under-b');
    } finally {
      await wisp.close();
    }
    assert.ok((await stored()).tokens.every((t) => t.startsWith(`wisp:v1:${keyIdOf(KEY_B)}:`)));
    wisp = await start({ WISP_SECRET_KEY: hex(KEY_B) });
    try {
      assert.deepEqual(wisp.secrets.resealed, { accounts: 0, snapshots: 0 }, 'nothing left to move');
      assert.ok(await accepts(wisp, subSid, subToken));
      await wisp.services.state.restore('before-key');
      await wisp.services.state.restore('under-b');
      assert.ok(await accepts(wisp, subSid, subToken));
    } finally {
      await wisp.close();
    }
  });

  it('opens them again when encryption is turned off (the key only in WISP_SECRET_KEY_PREVIOUS)', async () => {
    const wisp = await start({ WISP_SECRET_KEY_PREVIOUS: hex(KEY_B) });
    try {
      assert.deepEqual(wisp.secrets, { keyId: null, resealed: { accounts: 2, snapshots: 2 } });
      const plain = await stored();
      assert.ok(plain.tokens.includes(subToken));
      assert.ok(plain.snapshots.every((data) => !data.includes('wisp:v1:')));
      assert.ok(await accepts(wisp, subSid, subToken));
    } finally {
      await wisp.close();
    }
  });
});

describe('callbacks under a sealed token', () => {
  it('are signed with the plain token', async () => {
    const server = await startFastServer({ WISP_SECRET_KEY: KEY_A.toString('hex') });
    const receiver = await startReceiver();
    try {
      const { sid } = await simAt(server, 'ready');
      await server.client().wireless.v1.sims(sid).update({ status: 'active', callbackUrl: `${receiver.url}/signed` });
      await settledAt(server, sid, 'active');
      const [callback] = await receiver.waitFor('/signed', 1);
      assertSigned(callback, server.authToken);
    } finally {
      await receiver.close();
      await server.close();
    }
  });
});
