import { connect } from '../src/store/connect.js';
import { kyselyStore } from '../src/store/kysely-store.js';
import type { Store } from '../src/domain/ports.js';
import { systemClock } from '../src/domain/clock.js';
import { AccountService } from '../src/domain/accounts/accounts.js';
import { RatePlanService } from '../src/domain/rate-plans.js';
import type { Caller } from '../src/domain/caller.js';
import type { Account, InventorySim, Sim, SimStatus } from '../src/domain/models.js';
import { newSim } from '../src/domain/sims/service.js';
import { withCheckDigit } from '../src/domain/iccid.js';
import { Progress } from './progress.js';

// The data generator: a fleet of SIMs over ten accounts (a master and nine subaccounts), each
// with three rate plans, in every settled status, loaded straight through the store in large
// transactions. Accounts and plans go through the domain services, as an operator's would.

export interface FleetAccount {
  sid: string;
  authToken: string;
  ratePlans: string[];
}

export interface Fleet {
  sims: number;
  /** accounts[0] is the master. */
  accounts: FleetAccount[];
  generatedSeconds: number;
}

const ACCOUNTS = 10;
const BATCH = 10_000;

/** Settled statuses and their share of the fleet. `updating`/`scheduled` are transient and need operator work in flight, so none are generated. */
const STATUS_SHARES: [SimStatus, number][] = [
  ['active', 50],
  ['ready', 15],
  ['suspended', 12],
  ['new', 10],
  ['deactivated', 8],
  ['canceled', 5],
];
const STATUS_WHEEL: SimStatus[] = STATUS_SHARES.flatMap(([status, share]) => Array<SimStatus>(share).fill(status));

/** Spreads statuses evenly but not in runs: a multiplicative step through the 100-slot wheel. */
const statusOf = (i: number): SimStatus => STATUS_WHEEL[(Math.floor(i / ACCOUNTS) * 37) % STATUS_WHEEL.length];

function makeSim(i: number, account: FleetAccount, created: number): { sim: Sim; card: InventorySim } {
  const status = statusOf(i);
  const plan = status === 'new' && i % 2 === 0 ? null : account.ratePlans[i % account.ratePlans.length];
  const iccid = withCheckDigit(`8988${String(i).padStart(15, '0')}`);
  const code = `B${i.toString(36).toUpperCase().padStart(7, '0')}`;
  const sim: Sim = {
    ...newSim({ account_sid: account.sid, iccid, e_id: null, registration_code: code }, created),
    unique_name: i % 10 === 0 ? `fleet-${i}` : null,
    friendly_name: `Tracker ${i}`,
    status,
    rate_plan_sid: plan,
    ip_address: status === 'active' ? `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` : null,
  };
  return { sim, card: { iccid, registration_code: code, e_id: null, sim_sid: sim.sid, imported_at: created } };
}

async function makeAccounts(store: Store): Promise<FleetAccount[]> {
  const accounts = new AccountService(store, systemClock);
  const plans = new RatePlanService(store, systemClock);
  const { account: master } = await accounts.ensureMaster(null);
  const all: Account[] = [master];
  const asMaster: Caller = { account: master, credentialAccount: master, keySid: null };
  for (let i = 1; i < ACCOUNTS; i++) all.push(await accounts.create(asMaster, `Fleet customer ${i}`));
  const result: FleetAccount[] = [];
  for (const account of all) {
    const caller: Caller = { account, credentialAccount: account, keySid: null };
    const made = [
      await plans.create(caller, { uniqueName: 'small', friendlyName: 'Small 100 MB', dataLimit: 100 }),
      await plans.create(caller, { uniqueName: 'fleet', friendlyName: 'Fleet 1 GB', dataLimit: 1000, nationalRoamingEnabled: true }),
      await plans.create(caller, { uniqueName: 'global', friendlyName: 'Global 5 GB', dataLimit: 5000, internationalRoaming: ['data'] }),
    ];
    result.push({ sid: account.sid, authToken: account.auth_token, ratePlans: made.map((p) => p.sid) });
  }
  return result;
}

/** Loads `count` SIMs into the empty database at `databaseUrl`; reports progress on stderr. */
export async function generateFleet(databaseUrl: string, count: number): Promise<Fleet> {
  const started = Date.now();
  const connection = await connect(databaseUrl);
  const store = kyselyStore(connection);
  try {
    const accounts = await makeAccounts(store);
    const progress = new Progress(`generating ${count.toLocaleString('en')} SIMs (${connection.dialect})`, count);
    // Oldest first, a second apart, ending now: seq order is also creation order.
    const firstCreated = Date.now() - count * 1000;
    for (let start = 0; start < count; start += BATCH) {
      const end = Math.min(count, start + BATCH);
      const sims: Sim[] = [];
      const cards: InventorySim[] = [];
      for (let i = start; i < end; i++) {
        const { sim, card } = makeSim(i, accounts[i % ACCOUNTS], firstCreated + i * 1000);
        sims.push(sim);
        cards.push(card);
      }
      await store.transaction(async (tx) => {
        await tx.inventory.insertMissing(cards);
        await tx.sims.insertMany(sims);
      });
      progress.update(end);
    }
    const seconds = (Date.now() - started) / 1000;
    progress.done(`${count.toLocaleString('en')} SIMs in ${seconds.toFixed(1)} s (${Math.round(count / seconds).toLocaleString('en')} SIMs/s)`);
    return { sims: count, accounts, generatedSeconds: seconds };
  } finally {
    await store.close();
  }
}
