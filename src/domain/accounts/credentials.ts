import type { LoginFailureRepo, Tx } from '../ports.js';
import { secretsEqual, hashSecret } from './accounts.js';
import type { Caller } from '../caller.js';
import type { Account } from '../models.js';
import { timingSafeEqual } from 'node:crypto';

export type AuthFailure = 'unknown_user' | 'wrong_secret' | 'account_inactive';

/** A caller, with the stored hash its secret matched: a console session keeps it to check later that the credential still stands. */
export interface Verified {
  caller: Caller;
  /** The SHA-256 of the auth token, or the API key's stored secret hash. */
  proof: string;
}

/**
 * Checks a user (an Account SID or an API Key SID) against `matches`, which is given the stored
 * hash of each credential that could prove it: the key's secret, else the account's auth token
 * or its master's.
 */
async function verify(store: Tx<'accounts' | 'keys'>, user: string, matches: (storedHash: string) => boolean): Promise<Verified | AuthFailure> {
  if (user.startsWith('SK')) {
    const key = await store.keys.get(user);
    if (!key) return 'unknown_user';
    if (!matches(key.secret_hash)) return 'wrong_secret';
    const account = await store.accounts.get(key.account_sid);
    if (!account) return 'unknown_user';
    if (account.status !== 'active') return 'account_inactive';
    return { caller: { account, credentialAccount: account, keySid: key.sid }, proof: key.secret_hash };
  }
  const account = await store.accounts.get(user);
  if (!account) return 'unknown_user';
  let credentialAccount: Account | undefined = account;
  let proof = hashSecret(account.auth_token);
  if (!matches(proof)) {
    // A master may act as any of its subaccounts with its own auth token.
    const owner = account.owner_account_sid === account.sid ? undefined : await store.accounts.get(account.owner_account_sid);
    proof = owner ? hashSecret(owner.auth_token) : '';
    credentialAccount = owner && matches(proof) ? owner : undefined;
  }
  if (!credentialAccount) return 'wrong_secret';
  if (account.status !== 'active' || credentialAccount.status !== 'active') return 'account_inactive';
  return { caller: { account, credentialAccount, keySid: null }, proof };
}

/**
 * Checks HTTP Basic credentials. The user is an Account SID (with that account's auth token, or
 * its master's) or an API Key SID (with the key's secret). Secrets are compared in constant time.
 */
export async function authenticate(store: Tx<'accounts' | 'keys'>, user: string, secret: string): Promise<Caller | AuthFailure> {
  const result = await verify(store, user, (hash) => secretsEqual(secret, hash));
  return typeof result === 'string' ? result : result.caller;
}

const sameHash = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Checks HTTP Basic credentials, and keeps the count of failed logins all processes share. */
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

  /** As authenticate, with the proof a console session keeps. */
  signIn(user: string, secret: string): Promise<Verified | AuthFailure> {
    return verify(this.store, user, (hash) => secretsEqual(secret, hash));
  }

  /**
   * Whether a credential proved earlier (`proof` from signIn) still stands: the key is not
   * deleted, the auth token is the same, and the accounts are active.
   */
  recheck(user: string, proof: string): Promise<Verified | AuthFailure> {
    return verify(this.store, user, (hash) => sameHash(hash, proof));
  }
}
