// A typed client of Wisp's admin API (`/admin/v1/...`, bearer token, JSON), used by the `wisp`
// command and by `startWisp()`. It speaks HTTP only, so it works against any running Wisp.

export interface ClockState {
  now: string;
  offset_ms: number;
}

export interface NetworkState {
  available: boolean;
  latency_ms: number;
  failure_rate: number;
  date_updated: string | null;
}

export interface NetworkChange {
  available?: boolean;
  latency_ms?: number;
  failure_rate?: number;
}

export interface CallbackRecord {
  id: number;
  sim_sid: string;
  account_sid: string;
  state: 'pending' | 'retrying' | 'delivered' | 'dead';
  attempts: number;
  request: { method: string; url: string; params: Record<string, string> };
  response: { status: number | null; body: string | null; error: string | null; duration_ms: number | null } | null;
  replay_of: number | null;
  date_created: string;
  delivered_at: string | null;
  [key: string]: unknown;
}

export interface JobRecord {
  id: number;
  kind: string;
  sim_sid: string | null;
  state: string;
  run_at: string;
  attempts: number;
  last_error: string | null;
  [key: string]: unknown;
}

export interface ListFilter {
  sim_sid?: string;
  state?: string;
  kind?: string;
  limit?: number;
  before?: number;
}

export interface InventoryCard {
  iccid: string;
  registration_code: string;
  e_id?: string | null;
}

export interface ImportSummary {
  imported: number;
  unchanged: number;
  rejected: { index: number; iccid: unknown; reason: string }[];
}

export interface SnapshotInfo {
  name: string;
  date_created: string;
  /** The emulated clock when it was taken. */
  clock: string;
  rows: number;
}

export interface SeedSummary {
  accounts: number;
  rate_plans: number;
  sim_cards: number;
  sims: number;
}

/** An admin API answer that was not a success: the error body's code, message and status. */
export class WispAdminError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body: unknown,
  ) {
    super(message);
    this.name = 'WispAdminError';
  }
}

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** "72h", "90m", "1d12h", "30" (seconds) → seconds; null when it is not a duration. */
export function parseDuration(text: string): number | null {
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return null;
  return parts.reduce((sum, p) => sum + Number(p[1]) * UNITS[p[2]], 0);
}

export class WispAdmin {
  constructor(
    readonly url: string,
    private readonly token: string,
  ) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(this.url.replace(/\/$/, '') + path, {
      method,
      headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    const parsed: unknown = text === '' ? null : JSON.parse(text);
    if (!response.ok) {
      const error = (parsed ?? {}) as { code?: string; error?: string };
      throw new WispAdminError(response.status, error.code ?? 'http_error', error.error ?? `HTTP ${response.status}`, parsed);
    }
    return parsed as T;
  }

  clock(): Promise<ClockState> {
    return this.request('GET', '/admin/v1/Clock');
  }

  /** Moves emulated time forward (seconds, or a duration such as "72h") and runs what falls due. */
  advanceClock(by: number | string): Promise<ClockState & { jobs_run: number; finished: boolean }> {
    const seconds = typeof by === 'number' ? by : parseDuration(by);
    if (seconds === null) throw new TypeError(`"${by}" is not a duration such as 72h, 90m or 30s`);
    return this.request('POST', '/admin/v1/Clock', { advance_seconds: seconds });
  }

  setClock(to: Date | string): Promise<ClockState & { jobs_run: number; finished: boolean }> {
    return this.request('POST', '/admin/v1/Clock', { now: typeof to === 'string' ? to : to.toISOString() });
  }

  network(): Promise<NetworkState> {
    return this.request('GET', '/admin/v1/Network');
  }

  setNetwork(change: NetworkChange): Promise<NetworkState & { resumed: number }> {
    return this.request('POST', '/admin/v1/Network', change);
  }

  callbacks(filter: ListFilter = {}): Promise<{ callbacks: CallbackRecord[]; next_before: number | null }> {
    return this.request('GET', `/admin/v1/Callbacks${query(filter)}`);
  }

  replayCallback(id: number): Promise<CallbackRecord> {
    return this.request('POST', `/admin/v1/Callbacks/${id}/Replay`);
  }

  jobs(filter: ListFilter = {}): Promise<{ jobs: JobRecord[]; next_before: number | null }> {
    return this.request('GET', `/admin/v1/Jobs${query(filter)}`);
  }

  retryJob(id: number): Promise<JobRecord> {
    return this.request('POST', `/admin/v1/Jobs/${id}/Retry`);
  }

  /** Adds SIM cards to the inventory (at most 10,000 a call), ready to be registered. */
  importSims(sims: InventoryCard[]): Promise<ImportSummary> {
    return this.request('POST', '/admin/v1/Inventory/Sims', { sims });
  }

  device(simSid: string): Promise<Record<string, unknown>> {
    return this.request('GET', `/admin/v1/Sims/${encodeURIComponent(simSid)}/Device`);
  }

  updateDevice(simSid: string, change: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.request('POST', `/admin/v1/Sims/${encodeURIComponent(simSid)}/Device`, change);
  }

  /** The device uses data: records a data session on its Sim. */
  useData(simSid: string, session: Record<string, unknown>): Promise<Record<string, unknown>> {
    return this.request('POST', `/admin/v1/Sims/${encodeURIComponent(simSid)}/DataSessions`, session);
  }

  /** Back to an empty database with the master account (its credentials kept), clock and network at their defaults. */
  reset(): Promise<{ reset: true }> {
    return this.request('POST', '/admin/v1/Reset');
  }

  /** Loads a seed (accounts, rate plans, SIM cards, SIMs) given as an object. */
  seed(seed: unknown): Promise<SeedSummary> {
    return this.request('POST', '/admin/v1/Seed', seed);
  }

  readonly snapshots = {
    save: (name: string): Promise<SnapshotInfo> => this.request('POST', '/admin/v1/Snapshots', { name }),
    list: async (): Promise<SnapshotInfo[]> => (await this.request<{ snapshots: SnapshotInfo[] }>('GET', '/admin/v1/Snapshots')).snapshots,
    restore: (name: string): Promise<SnapshotInfo> => this.request('POST', `/admin/v1/Snapshots/${encodeURIComponent(name)}/Restore`),
    delete: async (name: string): Promise<void> => {
      await this.request('DELETE', `/admin/v1/Snapshots/${encodeURIComponent(name)}`);
    },
  };
}

function query(filter: ListFilter): string {
  const entries = Object.entries(filter).filter(([, v]) => v !== undefined);
  return entries.length === 0 ? '' : '?' + new URLSearchParams(entries.map(([k, v]) => [k, String(v)])).toString();
}
