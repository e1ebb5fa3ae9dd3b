import type { AccountService } from './accounts/accounts.js';
import type { KeyService } from './accounts/keys.js';
import type { CredentialService } from './accounts/credentials.js';
import type { ConsoleSessionService } from './accounts/console-sessions.js';
import type { RatePlanService } from './rate-plans.js';
import type { SimService } from './sims/service.js';
import type { BatchService } from './batches/service.js';
import type { EventService } from './events.js';
import type { CommandService } from './devices/commands.js';
import type { DataSessionService } from './devices/data-sessions.js';
import type { DeviceService } from './devices/device.js';
import type { UsageService } from './devices/usage-records.js';
import type { InventoryService } from './inventory.js';
import type { NetworkService } from './network.js';
import type { CallbackLog, JobLog, TimeService } from './operations.js';
import type { StateService } from './state.js';
import type { Seed } from './seed.js';
import type { SeedSummary } from './seed-apply.js';

/** Every domain service: what the wire layers (http, admin) may call. Built in src/app.ts. */
export interface Services {
  credentials: CredentialService;
  /** The web console's sessions. */
  consoleSessions: ConsoleSessionService;
  accounts: AccountService;
  keys: KeyService;
  ratePlans: RatePlanService;
  sims: SimService;
  /** Bulk fleet operations (docs/bulk.md). */
  batches: BatchService;
  events: EventService;
  commands: CommandService;
  dataSessions: DataSessionService;
  devices: DeviceService;
  usage: UsageService;
  inventory: InventoryService;
  network: NetworkService;
  callbackLog: CallbackLog;
  jobLog: JobLog;
  time: TimeService;
  /** Reset and snapshots of the whole state. */
  state: StateService;
  /** Writes a checked seed as the master account. */
  seed(seed: Seed): Promise<SeedSummary>;
  /** A cheap query that proves the database answers. */
  ping(): Promise<void>;
}
