import type { Account } from './models.js';
import type { Caller } from './caller.js';
import type { Clock } from './clock.js';
import type { Repos } from './ports.js';
import { isValidIccid } from './iccid.js';
import { DomainError } from './errors.js';
import { AccountService } from './accounts/accounts.js';
import { RatePlanService } from './rate-plans.js';
import { InventoryService } from './inventory.js';
import { SimService } from './sims/service.js';
import { placeSeeded } from './sims/seeded.js';
import { SeedError, type Seed, type SeedPath } from './seed.js';

export interface SeedSummary {
  accounts: number;
  rate_plans: number;
  sim_cards: number;
  sims: number;
}

/** Runs a service call; a refusal is reported against the seed path it came from. */
async function at<T>(path: SeedPath, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof DomainError) throw new SeedError(path, error.message);
    throw error;
  }
}

const registrationCodeFor = (iccid: string) => `SEED${iccid.slice(-8)}`;

/** Checks what the services would refuse only after writing something. */
function checkCards(seed: Seed): void {
  for (const [section, list] of [['simCards', seed.simCards ?? []], ['sims', seed.sims ?? []]] as const) {
    list.forEach((card, i) => {
      if (!isValidIccid(card.iccid)) throw new SeedError([section, i, 'iccid'], 'must be 19 or 20 digits ending in a Luhn check digit');
      if (card.registrationCode !== undefined && !/^[A-Za-z0-9-]{4,32}$/.test(card.registrationCode)) {
        throw new SeedError([section, i, 'registrationCode'], 'must be 4 to 32 letters, digits or dashes');
      }
    });
  }
}

/** What a seed writes, all in one transaction. */
export type SeedStore = Repos<'accounts' | 'credentialVersion' | 'sims' | 'jobs' | 'events' | 'callbacks' | 'ratePlans' | 'inventory' | 'network'>;

/**
 * Writes a checked seed, as the master account, in one transaction: accounts, rate plans, SIM
 * cards, then SIMs registered and placed in their statuses. The services check every part as
 * the API would; the first refusal rolls everything back and names the seed path it came from.
 */
export function applySeed(store: SeedStore, clock: Clock, master: Account, seed: Seed): Promise<SeedSummary> {
  checkCards(seed);
  const caller: Caller = { account: master, credentialAccount: master, keySid: null };
  return store.transaction(async (tx) => {
    // The services over the seed's transaction: what they write commits with the rest, or not at all.
    const ratePlans = new RatePlanService(tx, clock);
    const services = { accounts: new AccountService(tx, clock), ratePlans, inventory: new InventoryService(tx, clock), sims: new SimService(tx, clock, ratePlans) };
    const accounts = new Map<string, Account>();
    for (const [i, account] of (seed.accounts ?? []).entries()) {
      accounts.set(account.friendlyName, await at(['accounts', i], () => services.accounts.create(caller, account.friendlyName)));
    }
    // The master acts as the account that owns the plan.
    const as = (name: string | undefined): Caller => {
      const account = name === undefined ? undefined : accounts.get(name);
      return account ? { account, credentialAccount: master, keySid: null } : caller;
    };
    for (const [i, { account, ...plan }] of (seed.ratePlans ?? []).entries()) await at(['ratePlans', i], () => ratePlans.create(as(account), plan));

    const listed = new Map((seed.simCards ?? []).map((card) => [card.iccid, card.registrationCode]));
    const cards = [
      ...(seed.simCards ?? []).map((c) => ({ iccid: c.iccid, registration_code: c.registrationCode, e_id: c.eId })),
      ...(seed.sims ?? [])
        .filter((sim) => !listed.has(sim.iccid))
        .map((sim) => ({ iccid: sim.iccid, registration_code: sim.registrationCode ?? registrationCodeFor(sim.iccid) })),
    ];
    const imported = await services.inventory.import(cards);
    const rejected = imported.rejected[0];
    if (rejected) throw new SeedError(['simCards', rejected.index], rejected.reason);

    const sims = seed.sims ?? [];
    for (const [i, entry] of sims.entries()) {
      const code = listed.get(entry.iccid) ?? entry.registrationCode ?? registrationCodeFor(entry.iccid);
      let sim = await at(['sims', i], () => services.sims.register(caller, entry.iccid, code));
      // Only a new Sim moves to another account.
      const account = entry.account === undefined ? undefined : accounts.get(entry.account);
      if (account) sim = await at(['sims', i, 'account'], () => services.sims.update(caller, sim.sid, { accountSid: account.sid }));
      const placed = sim;
      await at(['sims', i], () => placeSeeded(tx, as(entry.account), placed, entry, ratePlans, clock.now()));
    }
    return { accounts: accounts.size, rate_plans: seed.ratePlans?.length ?? 0, sim_cards: cards.length, sims: sims.length };
  });
}
