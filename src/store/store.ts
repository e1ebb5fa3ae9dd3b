import type { Account, ApiKey, InventorySim, Page, PageQuery, RatePlan, Sim, SimStatus, AccountStatus } from '../domain/models.js';

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
  get(sid: string): Promise<Sim | undefined>;
  getByUniqueName(accountSid: string, uniqueName: string): Promise<Sim | undefined>;
  /** Reads the Sim and locks it for the rest of the transaction where the database can. */
  getForUpdate(sid: string): Promise<Sim | undefined>;
  list(filter: SimFilter, page: PageQuery): Promise<Page<Sim>>;
  countByRatePlan(ratePlanSid: string): Promise<number>;
  update(sid: string, changes: SimChanges): Promise<void>;
  delete(sid: string): Promise<void>;
}

export interface InventoryRepo {
  /** Inserts rows whose ICCID is not yet known; returns the ICCIDs that were new. */
  insertMissing(rows: InventorySim[]): Promise<Set<string>>;
  get(iccid: string): Promise<InventorySim | undefined>;
  setSim(iccid: string, simSid: string | null): Promise<void>;
}

export interface Store {
  readonly dialect: 'sqlite' | 'postgres';
  accounts: AccountRepo;
  keys: KeyRepo;
  ratePlans: RatePlanRepo;
  sims: SimRepo;
  inventory: InventoryRepo;
  /** Runs `work` in one transaction: everything it writes commits together or not at all. */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
  /** A cheap query that proves the database answers. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
