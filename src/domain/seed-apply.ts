import type { Account, SimStatus } from './models.js';
import type { Caller } from './caller.js';
import type { Services } from './services.js';
import { isValidIccid } from './iccid.js';
import { DomainError } from './errors.js';
import { SeedError, type Seed, type SeedPath, type SeedStatus } from './seed.js';

/** Status paths through the lifecycle table, each ending at the status it names. */
const PATHS: Record<SeedStatus, SimStatus[]> = {
  new: [],
  ready: ['ready'],
  active: ['active'],
  suspended: ['active', 'suspended'],
  deactivated: ['active', 'deactivated'],
};

export interface SeedSummary {
  accounts: number;
  rate_plans: number;
  sim_cards: number;
  sims: number;
}

type SeedServices = Pick<Services, 'accounts' | 'ratePlans' | 'inventory' | 'sims' | 'time'>;

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

/**
 * Writes a checked seed through the domain services, as the master account: accounts, rate
 * plans, SIM cards, then SIMs registered and moved along the lifecycle to their statuses (in
 * rounds, as each change is applied by the operator before the next).
 */
export async function applySeed(services: SeedServices, master: Account, seed: Seed): Promise<SeedSummary> {
  checkCards(seed);
  const caller: Caller = { account: master, credentialAccount: master, keySid: null };
  const settle = async () => {
    await services.time.advance(0);
  };
  const accounts = new Map<string, Account>();
  for (const [i, account] of (seed.accounts ?? []).entries()) {
    accounts.set(account.friendlyName, await at(['accounts', i], () => services.accounts.create(caller, account.friendlyName)));
  }
  // The master acts as the account that owns the plan.
  const as = (name: string | undefined): Caller => {
    const account = name === undefined ? undefined : accounts.get(name);
    return account ? { account, credentialAccount: master, keySid: null } : caller;
  };
  for (const [i, { account, ...plan }] of (seed.ratePlans ?? []).entries()) await at(['ratePlans', i], () => services.ratePlans.create(as(account), plan));

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
  const paths: { sid: string; steps: SimStatus[]; index: number }[] = [];
  for (const [i, entry] of sims.entries()) {
    const code = listed.get(entry.iccid) ?? entry.registrationCode ?? registrationCodeFor(entry.iccid);
    const sim = await at(['sims', i], () => services.sims.register(caller, entry.iccid, code));
    // Only a new Sim moves to another account.
    const account = entry.account === undefined ? undefined : accounts.get(entry.account);
    if (account) await at(['sims', i, 'account'], () => services.sims.update(caller, sim.sid, { accountSid: account.sid }));
    await at(['sims', i], () => services.sims.update(as(entry.account), sim.sid, { uniqueName: entry.uniqueName, friendlyName: entry.friendlyName, ratePlan: entry.ratePlan }));
    paths.push({ sid: sim.sid, steps: PATHS[entry.status ?? 'new'], index: i });
  }
  await settle();
  for (let step = 0; paths.some((p) => p.steps.length > step); step++) {
    for (const path of paths) {
      const status = path.steps[step];
      if (status) await at(['sims', path.index, 'status'], () => services.sims.update(as(sims[path.index].account), path.sid, { status }));
    }
    await settle();
  }
  return { accounts: accounts.size, rate_plans: seed.ratePlans?.length ?? 0, sim_cards: cards.length, sims: sims.length };
}
