import type { Store } from './store/store.js';
import type { Clock } from './domain/clock.js';
import { AccountService } from './domain/accounts.js';
import { KeyService } from './domain/keys.js';
import { RatePlanService } from './domain/rate-plans.js';
import { SimService } from './domain/sims.js';

/** The domain services, built once over one store and one clock. */
export interface Services {
  store: Store;
  clock: Clock;
  accounts: AccountService;
  keys: KeyService;
  ratePlans: RatePlanService;
  sims: SimService;
}

export function buildServices(store: Store, clock: Clock): Services {
  const accounts = new AccountService(store, clock);
  const ratePlans = new RatePlanService(store, clock);
  return {
    store,
    clock,
    accounts,
    keys: new KeyService(store, clock, accounts),
    ratePlans,
    sims: new SimService(store, clock, ratePlans),
  };
}
