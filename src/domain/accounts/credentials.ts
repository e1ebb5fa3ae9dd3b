import type { LoginFailureRepo, Tx } from '../ports.js';
import { secretsEqual, hashSecret } from './accounts.js';
import type { Caller } from '../caller.js';
import type { Account } from '../models.js';

export type AuthFailure = 'unknown_user' | 'wrong_secret' | 'account_inactive';

/**
 * Checks HTTP Basic credentials. The user is an Account SID (with that account's auth token, or
 * its master's) or an API Key SID (with the key's secret). Secrets are compared in constant time.
 */
export async function authenticate(store: Tx<'accounts' | 'keys'>, user: string, secret: string): Promise<Caller | AuthFailure> {
  if (user.startsWith('SK')) {
    const key = await store.keys.get(user);
    if (!key) return 'unknown_user';
    if (!secretsEqual(secret, key.secret_hash)) return 'wrong_secret';
    const account = await store.accounts.get(key.account_sid);
    if (!account) return 'unknown_user';
    if (account.status !== 'active') return 'account_inactive';
    return { account, credentialAccount: account, keySid: key.sid };
  }
  const account = await store.accounts.get(user);
  if (!account) return 'unknown_user';
  let credentialAccount: Account | undefined = account;
  if (!secretsEqual(secret, hashSecret(account.auth_token))) {
    // A master may act as any of its subaccounts with its own auth token.
    const owner = account.owner_account_sid === account.sid ? undefined : await store.accounts.get(account.owner_account_sid);
    credentialAccount = owner && secretsEqual(secret, hashSecret(owner.auth_token)) ? owner : undefined;
  }
  if (!credentialAccount) return 'wrong_secret';
  if (account.status !== 'active' || credentialAccount.status !== 'active') return 'account_inactive';
  return { account, credentialAccount, keySid: null };
}

/** Checks the credentials of requests (HTTP Basic), and keeps the count of failed logins all processes share. */
export class CredentialService {
  constructor(private readonly store: Tx<'accounts' | 'keys' | 'credentialVersion' | 'loginFailures'>) {}

  /** The failed logins counted across processes (times are real time: a throttle's window is not emulated). */
  get failures(): LoginFailureRepo {
    return this.store.loginFailures;
  }

  /** Grows whenever credentials are revoked, in any process. */
  version(): Promise<number> {
    return this.store.credentialVersion.current();
  }

  authenticate(user: string, secret: string): Promise<Caller | AuthFailure> {
    return authenticate(this.store, user, secret);
  }
}
