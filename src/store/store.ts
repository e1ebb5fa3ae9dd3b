import type { Account, ApiKey, InventorySim, MonitorEvent, Page, PageQuery, RatePlan, Sim, SimStatus, AccountStatus } from '../domain/models.js';
import type { CallbackAttempt, CallbackDelivery, CallbackState, Job, JobState, NetworkSettings, NewJob, SimFee } from '../domain/outbox.js';
import type { CommandRepo, DataSessionRepo, DeviceRepo, UsageRepo } from './device-store.js';

// The one interface the domain uses to persist state. Implemented once over Kysely for both
// SQLite and PostgreSQL (kysely-store.ts); no SQL lives outside this folder.

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
}

export type SimChanges = Partial<Omit<Sim, 'sid' | 'iccid' | 'registration_code' | 'date_created'>>;

export interface SimRepo {
  insert(sim: Sim): Promise<void>;
  /** Inserts many Sims in few statements (bulk loads); run it in a transaction to keep it all-or-nothing. */
  insertMany(sims: Sim[]): Promise<void>;
  get(sid: string): Promise<Sim | undefined>;
  getByUniqueName(accountSid: string, uniqueName: string): Promise<Sim | undefined>;
  /** Reads the Sim and locks it for the rest of the transaction where the database can. */
  getForUpdate(sid: string): Promise<Sim | undefined>;
  list(filter: SimFilter, page: PageQuery): Promise<Page<Sim>>;
  countByRatePlan(ratePlanSid: string): Promise<number>;
  update(sid: string, changes: SimChanges): Promise<void>;
  delete(sid: string): Promise<void>;
  /** Every `scheduled` Sim becomes `updating` (the operator is back); returns how many. */
  resumeScheduled(now: number): Promise<number>;
}

export interface InventoryRepo {
  /** Inserts rows whose ICCID is not yet known; returns the ICCIDs that were new. */
  insertMissing(rows: InventorySim[]): Promise<Set<string>>;
  get(iccid: string): Promise<InventorySim | undefined>;
  setSim(iccid: string, simSid: string | null): Promise<void>;
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

/** Options for leasing due jobs. */
export interface LeaseRequest {
  owner: string;
  /** Emulated time: pending jobs with run_at at or before it are due. */
  dueBy: number;
  /** Real time: running jobs whose lease expired before it are taken over. */
  realNow: number;
  leaseMs: number;
  limit: number;
  /** Emulated time, for date_updated. */
  now: number;
  /**
   * Also lease jobs created since this (emulated) time to run at once, even after dueBy: the
   * work that due jobs cause, such as the callback of a change the operator just applied.
   */
  causedSince?: number;
}

export interface JobListFilter {
  state?: JobState;
  kind?: string;
  simSid?: string;
  beforeId?: number;
  limit: number;
}

/** A job written already leased, for the worker whose transaction caused it to run it next. */
export interface JobClaim {
  owner: string;
  /** Real epoch milliseconds. */
  leaseExpires: number;
}

export interface TransactionOptions {
  /**
   * The job engine's own bookkeeping (leases, outcomes), which the durable outbox re-does if a
   * database crash loses it: PostgreSQL may answer the commit before its WAL reaches the disk.
   * Customers' requests never use it. Such transactions may run together in one database
   * transaction, side by side, except two with the same `key` (a Sim's SID: its work stays in
   * order). `work` may then run again after a rollback: it must have no effects outside the
   * database.
   */
  replayable?: { key: string };
}

/**
 * The outbox. Every method that ends or moves a leased job takes the owner and returns false,
 * writing nothing, when that owner no longer holds the lease (another worker took it over).
 */
export interface JobRepo {
  /** Writes a pending job, or with `claim` a running one leased to that owner (attempt 1). */
  enqueue(job: NewJob, now: number, claim?: JobClaim): Promise<number>;
  get(id: number): Promise<Job | undefined>;
  /** Leases due jobs in due order, at most one per Sim and none of a Sim that has one running. */
  lease(request: LeaseRequest): Promise<Job[]>;
  finish(id: number, owner: string, state: 'done' | 'dead' | 'canceled', now: number, error?: string | null): Promise<boolean>;
  /** Back to pending at runAt; `refundAttempt` when the run did not count as a try. */
  reschedule(id: number, owner: string, options: { runAt: number; now: number; error: string | null; refundAttempt: boolean }): Promise<boolean>;
  /** To `waiting` (the operator is unavailable) or `held` (a timer whose Sim is mid-update). */
  park(id: number, owner: string, state: 'waiting' | 'held', now: number): Promise<boolean>;
  /** Every waiting job becomes due now; returns how many. */
  wakeWaiting(now: number): Promise<number>;
  holdTimers(simSid: string, now: number): Promise<void>;
  releaseTimers(simSid: string, now: number): Promise<void>;
  cancelTimers(simSid: string, now: number): Promise<void>;
  extendLeases(owner: string, until: number): Promise<void>;
  /** Jobs due by `dueBy` that are not finished: pending ones, and running ones. */
  countDue(dueBy: number, causedSince?: number): Promise<{ pending: number; running: number }>;
  /** Newest first. */
  list(filter: JobListFilter): Promise<Job[]>;
  /** A dead job runs again now, with a fresh count of attempts. */
  revive(id: number, now: number): Promise<boolean>;
  /** Deletes up to `limit` done or canceled jobs created and last changed before `before`; returns how many. */
  pruneFinished(before: number, limit: number): Promise<number>;
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
  offset(): Promise<number>;
  /** Moves the offset forward to `offsetMs` (never back); returns the offset now stored. */
  advance(offsetMs: number): Promise<number>;
}

export interface FeeRepo {
  /** Records a fee once per Sim and period start; false when it was recorded already. */
  record(fee: SimFee): Promise<boolean>;
  list(simSid: string): Promise<SimFee[]>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  accounts: AccountRepo;
  keys: KeyRepo;
  ratePlans: RatePlanRepo;
  sims: SimRepo;
  inventory: InventoryRepo;
  events: EventRepo;
  jobs: JobRepo;
  callbacks: CallbackRepo;
  network: NetworkRepo;
  clock: ClockRepo;
  fees: FeeRepo;
  commands: CommandRepo;
  dataSessions: DataSessionRepo;
  devices: DeviceRepo;
  usage: UsageRepo;
  /** Runs `work` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(work: (tx: Store) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** A cheap query that proves the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
