import type { Account } from './models.js';

/**
 * Who is making a request. `account` is the account the request acts as (the Basic-auth user,
 * or the API key's account); `credentialAccount` is the account whose secret proved it, which is
 * the master when a master acts as one of its subaccounts.
 */
export interface Caller {
  account: Account;
  credentialAccount: Account;
  keySid: string | null;
}

export const isMaster = (account: Account): boolean => account.owner_account_sid === account.sid;

/** Whether the caller holds master credentials, which alone may move SIMs and manage accounts. */
export const hasMasterCredentials = (caller: Caller): boolean => isMaster(caller.credentialAccount);

/**
 * The accounts whose resources the caller may touch: its own, and for a master acting as itself
 * its subaccounts' too. Another account's resource is reported as not found, never forbidden.
 */
export function canSee(caller: Caller, owner: Pick<Account, 'sid' | 'owner_account_sid'>): boolean {
  if (owner.sid === caller.account.sid) return true;
  return isMaster(caller.account) && owner.owner_account_sid === caller.account.sid;
}

/** Whether a resource owned by `accountSid` is visible to the caller (loads the owner only when needed). */
export async function ownsOrManages(
  caller: Caller,
  accountSid: string,
  loadAccount: (sid: string) => Promise<Account | undefined>,
): Promise<boolean> {
  if (accountSid === caller.account.sid) return true;
  if (!isMaster(caller.account)) return false;
  const owner = await loadAccount(accountSid);
  return owner !== undefined && canSee(caller, owner);
}
