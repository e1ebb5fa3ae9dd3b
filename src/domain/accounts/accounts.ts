import { createHash, timingSafeEqual } from 'node:crypto';
import type { Repos } from '../ports.js';
import type { Clock } from '../clock.js';
import { DomainError, invalid, notFound } from '../errors.js';
import { type Caller, canSee, hasMasterCredentials, isMaster } from '../caller.js';
import type { Account, AccountStatus, Page, PageQuery } from '../models.js';
import { newSecret, newSid } from '../sids.js';
import { checkName } from '../validate.js';
import { cancelAccountChanges } from '../sims/moves.js';

const STATUSES: AccountStatus[] = ['active', 'suspended', 'closed'];

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Compares secrets in constant time: both sides are hashed to the same length first. */
export function secretsEqual(given: string, expectedHash: string): boolean {
  return timingSafeEqual(Buffer.from(hashSecret(given), 'hex'), Buffer.from(expectedHash, 'hex'));
}

function subaccountName(now: number): string {
  const d = new Date(now);
  const hours = d.getUTCHours();
  const hh = String(hours % 12 === 0 ? 12 : hours % 12).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `SubAccount Created at ${d.toISOString().slice(0, 10)} ${hh}:${mm} ${hours < 12 ? 'am' : 'pm'}`;
}

export class AccountService {
  constructor(
    private readonly store: Repos<'accounts' | 'credentialVersion' | 'sims' | 'jobs' | 'events' | 'callbacks'>,
    private readonly clock: Clock,
  ) {}

  /**
   * Returns the master account, creating it on an empty database from the configured
   * credentials (or fresh ones). Configured credentials are only used for that first start.
   */
  async ensureMaster(given: { sid: string; authToken: string } | null): Promise<{ account: Account; created: boolean }> {
    return this.store.transaction(async (tx) => {
      const master = await tx.accounts.firstMaster();
      if (master) {
        if (given && given.sid !== master.sid) {
          throw new Error(`WISP_ACCOUNT_SID ${given.sid} is not the master account of this database (${master.sid})`);
        }
        return { account: master, created: false };
      }
      const sid = given?.sid ?? newSid('AC');
      const now = this.clock.now();
      const account: Account = {
        sid,
        owner_account_sid: sid,
        friendly_name: 'Wisp master account',
        status: 'active',
        type: 'Full',
        auth_token: given?.authToken ?? newSecret(),
        date_created: now,
        date_updated: now,
      };
      await tx.accounts.insert(account);
      return { account, created: true };
    });
  }

  async create(caller: Caller, friendlyName: string | null): Promise<Account> {
    refuseKeys(caller);
    if (!isMaster(caller.account) || !hasMasterCredentials(caller)) {
      throw new DomainError('forbidden', 'Only a master account can create subaccounts');
    }
    checkName('FriendlyName', friendlyName);
    const now = this.clock.now();
    const account: Account = {
      sid: newSid('AC'),
      owner_account_sid: caller.account.sid,
      friendly_name: friendlyName ?? subaccountName(now),
      status: 'active',
      type: caller.account.type,
      auth_token: newSecret(),
      date_created: now,
      date_updated: now,
    };
    await this.store.accounts.insert(account);
    return account;
  }

  async fetch(caller: Caller, sid: string): Promise<Account> {
    refuseKeys(caller);
    const account = await this.store.accounts.get(sid);
    if (!account || !canSee(caller, account)) throw notFound(`Account ${sid} was not found`);
    return account;
  }

  list(caller: Caller, filter: { friendlyName?: string; status?: string }, page: PageQuery): Promise<Page<Account>> {
    refuseKeys(caller);
    const status = filter.status === undefined ? undefined : parseStatus(filter.status);
    // A master sees itself and its subaccounts; a subaccount owns none, so it sees only itself.
    return this.store.accounts.list({ visibleTo: caller.account.sid, friendlyName: filter.friendlyName, status }, page);
  }

  async update(caller: Caller, sid: string, changes: { friendlyName?: string; status?: string }): Promise<Account> {
    const account = await this.fetch(caller, sid);
    const status = changes.status === undefined ? undefined : parseStatus(changes.status);
    if (changes.friendlyName !== undefined) checkName('FriendlyName', changes.friendlyName);
    if (status !== undefined && status !== account.status) {
      if (isMaster(account)) throw invalid('The status of a master account cannot be changed through the API');
      if (!hasMasterCredentials(caller)) throw new DomainError('forbidden', 'Only the master account can change a subaccount status');
      if (account.status === 'closed') throw invalid('A closed account cannot be reopened');
    }
    const next: Account = {
      ...account,
      friendly_name: changes.friendlyName ?? account.friendly_name,
      status: status ?? account.status,
      date_updated: this.clock.now(),
    };
    const row = { friendly_name: next.friendly_name, status: next.status, date_updated: next.date_updated };
    if (next.status === account.status) {
      await this.store.accounts.update(sid, row);
    } else {
      await this.store.transaction(async (tx) => {
        await tx.accounts.update(sid, row);
        // A status change revokes or restores credentials: every process forgets what it remembers.
        await tx.credentialVersion.bump();
        // 33201: "Your Account has been suspended and an asynchronous request has been canceled."
        if (next.status !== 'active' && account.status === 'active') await cancelAccountChanges(tx, sid, next.date_updated);
      });
    }
    return next;
  }
}

/** As with Twilio's standard API keys, a key reaches every resource except accounts and keys. */
function refuseKeys(caller: Caller): void {
  if (caller.keySid !== null) {
    throw new DomainError('forbidden', 'API keys cannot manage accounts; use the account SID and auth token');
  }
}

function parseStatus(value: string): AccountStatus {
  if (!STATUSES.includes(value as AccountStatus)) {
    throw invalid(`Status must be one of ${STATUSES.join(', ')}; got "${value}"`);
  }
  return value as AccountStatus;
}
