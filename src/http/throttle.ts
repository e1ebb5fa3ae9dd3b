import type { LoginFailureRepo } from '../domain/ports.js';

// Failed logins, counted per client address and per user name (an Account or API key SID) over
// a window of real time. Past half the limit each failure is answered a little later; at the
// limit the address is refused with 429 until its window ends. A user name at its limit is
// refused only from addresses that have failed before, so its owner still gets in from a
// clean one. Nothing is counted, or delayed, for a correct login.
//
// Each process keeps the counts in memory and refuses from them, with no database read on any
// request. When processes share a database, every failure is also counted there, in one
// statement, and the process takes the shared count: behind a load balancer, N processes let a
// guesser through at most N - 1 more times per window than one process would (each process at
// most once past the limit, before its own next failure tells it), rather than N times as often.

export interface ThrottleSettings {
  /** Failures from one address (and, ten times as many, for one user name) before refusing. */
  maxFailures: number;
  windowMs: number;
}

interface Counter {
  failures: number;
  /** When the window that counts these failures ends. */
  resetAt: number;
}

/** Keeps memory bounded under a flood of addresses: the oldest counters go first. */
const MAX_COUNTERS = 100_000;
const STEP_MS = 25;
const MAX_DELAY_MS = 250;
const USER_FACTOR = 10;
/** How often a process deletes shared counters whose window has ended. */
const PRUNE_EVERY_MS = 60_000;

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();
  private lastPrune = 0;

  /**
   * `scope` keeps the counts of one surface (Basic, the admin token) apart in the shared table;
   * `shared` is that table, or null to count in this process only.
   */
  constructor(
    private readonly settings: ThrottleSettings,
    private readonly shared: LoginFailureRepo | null = null,
    private readonly scope = 'basic',
    private readonly now: () => number = Date.now,
  ) {}

  private counter(key: string): Counter | undefined {
    const counter = this.counters.get(key);
    if (counter && counter.resetAt <= this.now()) {
      this.counters.delete(key);
      return undefined;
    }
    return counter;
  }

  /** Seconds until `address` (or `user` from this address) may try again; null when it may now. */
  retryAfter(address: string, user?: string): number | null {
    const byAddress = this.counter(`a:${address}`);
    const limited = (c: Counter | undefined, max: number) => c !== undefined && c.failures >= max;
    let until: number | null = null;
    if (limited(byAddress, this.settings.maxFailures)) until = byAddress!.resetAt;
    else if (user !== undefined && byAddress !== undefined) {
      const byUser = this.counter(`u:${user}`);
      if (limited(byUser, this.settings.maxFailures * USER_FACTOR)) until = byUser!.resetAt;
    }
    return until === null ? null : Math.max(1, Math.ceil((until - this.now()) / 1000));
  }

  /** Records a failure; returns how long to hold its answer (ms). */
  async fail(address: string, user?: string): Promise<number> {
    const [failures] = await Promise.all([this.bump(`a:${address}`), user === undefined ? 0 : this.bump(`u:${user}`)]);
    this.prune();
    const over = failures - Math.floor(this.settings.maxFailures / 2);
    return over > 0 ? Math.min(MAX_DELAY_MS, over * STEP_MS) : 0;
  }

  /** A correct login clears its user name's count (never its address's: one known account must not unlock guessing of others). */
  succeed(user: string): void {
    const key = `u:${user}`;
    if (!this.counters.delete(key)) return;
    // Only a user name this process saw fail: no write for the logins of everyone else.
    this.shared?.clear(`${this.scope}:${key}`).catch(() => undefined);
  }

  /** One more failure of `key`, here and in the shared count; the larger of the two is kept. */
  private async bump(key: string): Promise<number> {
    const local = this.bumpLocal(key);
    if (!this.shared) return local.failures;
    try {
      const shared = await this.shared.record(`${this.scope}:${key}`, this.settings.windowMs, this.now());
      if (shared.failures > local.failures) Object.assign(local, shared);
    } catch {
      // The database cannot count it now: this process's count still holds.
    }
    return local.failures;
  }

  private bumpLocal(key: string): Counter {
    const counter = this.counter(key);
    if (counter) {
      counter.failures += 1;
      return counter;
    }
    if (this.counters.size >= MAX_COUNTERS) this.counters.delete(this.counters.keys().next().value as string);
    const fresh = { failures: 1, resetAt: this.now() + this.settings.windowMs };
    this.counters.set(key, fresh);
    return fresh;
  }

  /** Shared counters whose window has ended are deleted now and then, by whichever process fails a login. */
  private prune(): void {
    const now = this.now();
    if (!this.shared || now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    this.shared.pruneExpired(now, 1000).catch(() => undefined);
  }
}

export const pause = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
