import type { Account, ApiKey, InventorySim, MonitorEvent, NetworkSettings, Page, PageQuery, RatePlan, Sim, SimFee, SimStatus, AccountStatus } from './models.js';
import type { CallbackAttempt, CallbackDelivery, CallbackState } from './callbacks.js';
import type { WispQueue } from './tasks.js';
import type { CommandRepo, DataSessionRepo, DeviceRepo, UsageRepo } from './devices/device-ports.js';
import type { ConsoleSessionRepo } from './accounts/console-sessions.js';
import type { SimBatchItemRepo, SimBatchRepo } from './batches/batch-models.js';

// What the domain needs from storage: its ports. The store implements them once over Kysely for
// both SQLite and PostgreSQL (the store layer's kysely-store.ts); the domain never sees SQL. A service
// is given only the repositories it uses (`Repos<'sims' | 'events'>`, say).

export interface AccountFilter {
  /** The accounts a caller may see: its own and, for a master, its subaccounts. */
  visibleTo: string;
  friendlyName?: string;
  status?: AccountStatus;
}

export interface AccountRepo {
  insert(account: Account): Promise<void>;
  get(sid: string): Promise<Account | undefined>;
  /** The first master account (its own owner), if any. */
  firstMaster(): Promise<Account | undefined>;
  list(filter: AccountFilter, page: PageQuery): Promise<Page<Account>>;
  update(sid: string, changes: Partial<Pick<Account, 'friendly_name' | 'status' | 'date_updated'>>): Promise<void>;
}

export interface KeyRepo {
  insert(key: ApiKey): Promise<void>;
  get(sid: string): Promise<ApiKey | undefined>;
  list(accountSid: string, page: PageQuery): Promise<Page<ApiKey>>;
  update(sid: string, changes: Partial<Pick<ApiKey, 'friendly_name' | 'date_updated'>>): Promise<void>;
  delete(sid: string): Promise<void>;
}

export interface RatePlanRepo {
  insert(plan: RatePlan): Promise<void>;
  get(sid: string): Promise<RatePlan | undefined>;
  /**
   * Reads a plan and holds its row until the transaction ends: `share` while a SIM is being put
   * on it, `update` while it is deleted, so the two never cross and no SIM points at a lost plan.
   */
  lock(sid: string, mode: 'share' | 'update'): Promise<RatePlan | undefined>;
  getByUniqueName(accountSid: string, uniqueName: string): Promise<RatePlan | undefined>;
  list(accountSid: string, page: PageQuery): Promise<Page<RatePlan>>;
  update(sid: string, changes: Partial<Pick<RatePlan, 'unique_name' | 'friendly_name' | 'date_updated'>>): Promise<void>;
  delete(sid: string): Promise<void>;
}

export interface SimFilter {
  accountSid: string;
  status?: SimStatus;
  iccid?: string;
  ratePlanSid?: string;
  eId?: string;
  registrationCode?: string;
  /** `resetting`: only Sims whose connectivity reset is in progress. */
  resetStatus?: 'resetting';
}

export interface SimBrowseFilter extends Pick<SimFilter, 'accountSid' | 'status' | 'iccid' | 'ratePlanSid'> {
  /** Sims whose unique name starts with this; the list is then in unique-name order. */
  uniqueNamePrefix?: string;
}

/** `created` is the order Sims were added in (their seq). */
export interface SimOrder {
  by: 'created' | 'iccid';
  direction: 'asc' | 'desc';
}

/** A keyset position: the sort key of the row to continue after, or to go back before. */
export interface BrowseCursor {
  after?: string;
  before?: string;
}

export interface BrowsePage<T> {
  items: T[];
  /** The cursor value of each item, in order. */
  keys: string[];
  /** Whether rows follow the last item (going forward) or precede the first (going back). */
  hasMore: boolean;
}

export type SimChanges = Partial<Omit<Sim, 'sid' | 'iccid' | 'registration_code' | 'date_created'>>;

export interface SimRepo {
  insert(sim: Sim): Promise<void>;
  /** Inserts many Sims in few statements (bulk loads); run it in a transaction to keep it all-or-nothing. */
  insertMany(sims: Sim[]): Promise<void>;
  get(sid: string): Promise<Sim | undefined>;
  getByUniqueName(accountSid: string, uniqueName: string): Promise<Sim | undefined>;
  /** The Sims of these SIDs that exist, in no particular order. */
  getMany(sids: string[]): Promise<Sim[]>;
  /** The Sims of the account with these unique names, in no particular order. */
  getManyByUniqueName(accountSid: string, uniqueNames: string[]): Promise<Sim[]>;
  /** Reads the Sim and locks it for the rest of the transaction where the database can. */
  getForUpdate(sid: string): Promise<Sim | undefined>;
  list(filter: SimFilter, page: PageQuery): Promise<Page<Sim>>;
  /** A page in the order asked for, each order served by an index (the console's fleet table). */
  browse(filter: SimBrowseFilter, order: SimOrder, cursor: BrowseCursor, limit: number): Promise<BrowsePage<Sim>>;
  /** How many Sims of the account are in each status (statuses with none are left out). */
  countByStatus(accountSid: string): Promise<Partial<Record<SimStatus, number>>>;
  countByRatePlan(ratePlanSid: string): Promise<number>;
  update(sid: string, changes: SimChanges): Promise<void>;
  delete(sid: string): Promise<void>;
  /** Every Sim in status `from` takes status `to`; returns how many. Only the lifecycle calls it. */
  moveAll(from: SimStatus, to: SimStatus, now: number): Promise<number>;
}

export interface InventoryRepo {
  /** Inserts rows whose ICCID is not yet known; returns the ICCIDs that were new. */
  insertMissing(rows: InventorySim[]): Promise<Set<string>>;
  get(iccid: string): Promise<InventorySim | undefined>;
  setSim(iccid: string, simSid: string | null): Promise<void>;
  /** Cards no account has registered, in ICCID order, after `afterIccid`. */
  listUnregistered(afterIccid: string | undefined, limit: number): Promise<InventorySim[]>;
}

/** Which Monitor events to list: one account's, optionally narrowed (all given filters apply). */
export interface EventFilter {
  accountSid: string;
  actorSid?: string;
  eventType?: string;
  resourceSid?: string;
  sourceIpAddress?: string;
  /** Inclusive bounds on event_date, epoch milliseconds. */
  startDate?: number;
  endDate?: number;
}

export interface EventRepo {
  insert(event: MonitorEvent): Promise<void>;
  get(sid: string): Promise<MonitorEvent | undefined>;
  /**
   * Newest first (event_date, then insertion order). `afterSeq` continues after an item towards
   * older events; `beforeSeq` goes back towards newer ones. Items come in list order either way.
   */
  list(filter: EventFilter, page: PageQuery): Promise<Page<MonitorEvent>>;
}

export interface CallbackListFilter {
  simSid?: string;
  state?: CallbackState;
  beforeId?: number;
  limit: number;
}

export interface CallbackRepo {
  insert(delivery: Omit<CallbackDelivery, 'id'>): Promise<number>;
  get(id: number): Promise<CallbackDelivery | undefined>;
  recordAttempt(id: number, attempt: CallbackAttempt): Promise<void>;
  /** Deletes up to `limit` deliveries created and delivered before `before`; returns how many. */
  pruneDelivered(before: number, limit: number): Promise<number>;
  /** Deletes up to `limit` dead deliveries whose last attempt was before `before`; returns how many. */
  pruneDead(before: number, limit: number): Promise<number>;
  /** Newest first. */
  list(filter: CallbackListFilter): Promise<CallbackDelivery[]>;
}

export interface NetworkRepo {
  /** Creates the settings row with these values unless it exists. */
  ensure(defaults: NetworkSettings): Promise<void>;
  get(): Promise<NetworkSettings>;
  /** Reads the settings and keeps them from changing until the transaction ends, where the database can. */
  getForShare(): Promise<NetworkSettings>;
  update(changes: Partial<NetworkSettings>): Promise<NetworkSettings>;
}

export interface ClockRepo {
  /**
   * The stored offset, and the version of the state it belongs to: the version grows whenever
   * the state is replaced (a reset, a restored snapshot), which may take the offset back.
   */
  read(): Promise<{ offsetMs: number; stateVersion: number }>;
  /** Moves the offset forward to `offsetMs` (never back); returns the offset now stored. */
  advance(offsetMs: number): Promise<number>;
}

export interface FeeRepo {
  /** Records a fee once per Sim and period start; false when it was recorded already. */
  record(fee: SimFee): Promise<boolean>;
  list(simSid: string): Promise<SimFee[]>;
}

/** Grows whenever credentials are revoked; processes that remember credentials watch it. */
export interface CredentialVersionRepo {
  current(): Promise<number>;
  bump(): Promise<void>;
}

/** Failed logins counted across processes (src/http/throttle.ts keeps them per process as well). */
export interface LoginFailureRepo {
  /** Counts one more failure of `key` in its window (a new window if the last one ended); returns the count and when the window ends. */
  record(key: string, windowMs: number, now: number): Promise<{ failures: number; resetAt: number }>;
  clear(key: string): Promise<void>;
  /** Deletes up to `limit` counters whose window ended before `now`; returns how many. */
  pruneExpired(now: number, limit: number): Promise<number>;
}

/** Every repository the domain may use. */
export interface AllRepos {
  accounts: AccountRepo;
  keys: KeyRepo;
  ratePlans: RatePlanRepo;
  sims: SimRepo;
  inventory: InventoryRepo;
  events: EventRepo;
  /** The job engine's queue (src/engine): jobs written here commit with the transaction. */
  jobs: WispQueue;
  callbacks: CallbackRepo;
  network: NetworkRepo;
  clock: ClockRepo;
  credentialVersion: CredentialVersionRepo;
  loginFailures: LoginFailureRepo;
  fees: FeeRepo;
  commands: CommandRepo;
  dataSessions: DataSessionRepo;
  devices: DeviceRepo;
  usage: UsageRepo;
  state: StateRepo;
  consoleSessions: ConsoleSessionRepo;
  simBatches: SimBatchRepo;
  simBatchItems: SimBatchItemRepo;
}

export type RepoName = keyof AllRepos;

/** A handle inside a transaction, with the repositories a function uses. */
export type Tx<R extends RepoName> = Pick<AllRepos, R>;

/** Some repositories, and transactions over the same ones. */
export type Repos<R extends RepoName> = Pick<AllRepos, R> & {
  /** Runs `work` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(work: (tx: Repos<R>) => Promise<T>): Promise<T>;
};

/** The whole store, as the composition root sees it. */
export type Store = Repos<RepoName>;

/** A named copy of the whole state (every table but the snapshots themselves). */
export interface SnapshotMeta {
  name: string;
  date_created: number;
  /** The emulated time when it was taken. */
  clock_ms: number;
  rows: number;
}

/** The state as a whole: emptied (reset), copied into snapshots and brought back from them. */
export interface StateRepo {
  /** Copies every table into the snapshot `name`, replacing one of that name. */
  saveSnapshot(name: string, now: number, clockMs: number): Promise<SnapshotMeta>;
  listSnapshots(): Promise<SnapshotMeta[]>;
  /**
   * Replaces every table's rows with the snapshot's; a job that was running when it was taken
   * is pending again. Null when there is no snapshot of that name.
   */
  restoreSnapshot(name: string): Promise<SnapshotMeta | null>;
  deleteSnapshot(name: string): Promise<boolean>;
  /** Deletes every row of every table except the account `keepAccountSid` (snapshots are kept). */
  clear(keepAccountSid: string): Promise<void>;
}

/** A fault of the database itself, as the operator must hear of it (src/store/faults.ts). */
export interface StoreFault {
  kind: 'unavailable' | 'disk_full' | 'read_only';
  message: string;
}
