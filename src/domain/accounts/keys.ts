import type { Repos } from '../ports.js';
import type { Clock } from '../clock.js';
import { DomainError, notFound } from '../errors.js';
import type { Caller } from '../caller.js';
import type { ApiKey, Page, PageQuery } from '../models.js';
import { newSecret, newSid } from '../sids.js';
import { checkName } from '../validate.js';
import { hashSecret } from './accounts.js';
import type { AccountService } from './accounts.js';

/** API keys. The secret is returned once, at creation; only its hash is stored. */
export class KeyService {
  constructor(
    private readonly store: Repos<'keys' | 'accounts' | 'credentialVersion'>,
    private readonly clock: Clock,
    private readonly accounts: AccountService,
  ) {}

  /** Keys are managed with account credentials; a key cannot mint or read other keys. */
  private async ownerFor(caller: Caller, accountSid: string) {
    if (caller.keySid !== null) {
      throw new DomainError('forbidden', 'API keys cannot manage keys; use the account SID and auth token');
    }
    return this.accounts.fetch(caller, accountSid);
  }

  async create(caller: Caller, accountSid: string, friendlyName: string | null): Promise<ApiKey & { secret: string }> {
    const account = await this.ownerFor(caller, accountSid);
    checkName('FriendlyName', friendlyName);
    const secret = newSecret() + newSecret();
    const now = this.clock.now();
    const key: ApiKey = {
      sid: newSid('SK'),
      account_sid: account.sid,
      friendly_name: friendlyName,
      secret_hash: hashSecret(secret),
      date_created: now,
      date_updated: now,
    };
    await this.store.keys.insert(key);
    return { ...key, secret };
  }

  async fetch(caller: Caller, accountSid: string, sid: string): Promise<ApiKey> {
    const account = await this.ownerFor(caller, accountSid);
    const key = await this.store.keys.get(sid);
    if (!key || key.account_sid !== account.sid) throw notFound(`Key ${sid} was not found`);
    return key;
  }

  async list(caller: Caller, accountSid: string, page: PageQuery): Promise<Page<ApiKey>> {
    const account = await this.ownerFor(caller, accountSid);
    return this.store.keys.list(account.sid, page);
  }

  async update(caller: Caller, accountSid: string, sid: string, friendlyName: string | undefined): Promise<ApiKey> {
    const key = await this.fetch(caller, accountSid, sid);
    if (friendlyName === undefined) return key;
    checkName('FriendlyName', friendlyName);
    const next = { ...key, friendly_name: friendlyName, date_updated: this.clock.now() };
    await this.store.keys.update(sid, { friendly_name: next.friendly_name, date_updated: next.date_updated });
    return next;
  }

  async remove(caller: Caller, accountSid: string, sid: string): Promise<void> {
    await this.fetch(caller, accountSid, sid);
    // Every process forgets the credentials it remembers (credential-version.ts).
    await this.store.transaction(async (tx) => {
      await tx.keys.delete(sid);
      await tx.credentialVersion.bump();
    });
  }
}
