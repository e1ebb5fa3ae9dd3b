import type { Store } from './store/store.js';
import type { Clock } from './domain/clock.js';
import { AccountService } from './domain/accounts.js';
import { KeyService } from './domain/keys.js';
import { RatePlanService } from './domain/rate-plans.js';
import { SimService } from './domain/sims.js';
import { EventService } from './domain/events.js';
import { CommandService } from './domain/commands.js';
import { DataSessionService } from './domain/data-sessions.js';
import { DeviceService } from './domain/devices.js';
import { UsageService } from './domain/usage-records.js';
import { engineForDevices } from './jobs/devices.js';

/** The domain services, built once over one store and one clock. */
export interface Services {
  store: Store;
  clock: Clock;
  accounts: AccountService;
  keys: KeyService;
  ratePlans: RatePlanService;
  sims: SimService;
  events: EventService;
  commands: CommandService;
  dataSessions: DataSessionService;
  devices: DeviceService;
  usage: UsageService;
}

export function buildServices(store: Store, clock: Clock): Services {
  const accounts = new AccountService(store, clock);
  const ratePlans = new RatePlanService(store, clock);
  const sims = new SimService(store, clock, ratePlans);
  return {
    store,
    clock,
    accounts,
    keys: new KeyService(store, clock, accounts),
    ratePlans,
    sims,
    events: new EventService(store),
    ...deviceServices(store, clock, sims),
  };
}

/** Commands, data sessions, devices and usage; their work wakes the worker as the Sims' does. */
function deviceServices(store: Store, clock: Clock, sims: SimService) {
  const engine = engineForDevices(() => sims.onWork?.());
  const commands = new CommandService(store, clock, sims, engine);
  return {
    commands,
    dataSessions: new DataSessionService(store, clock, sims, engine),
    devices: new DeviceService(store, clock, engine, (tx, sim, now) => commands.steps.sendQueued(tx, sim, now)),
    usage: new UsageService(store, clock, sims),
  };
}
