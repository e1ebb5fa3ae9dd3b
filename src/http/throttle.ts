// Failed logins, counted per client address and per user name (an Account or API key SID) over
// a window of real time. Past half the limit each failure is answered a little later; at the
// limit the address is refused with 429 until its window ends. A user name at its limit is
// refused only from addresses that have failed before, so its owner still gets in from a
// clean one. Nothing is counted, or delayed, for a correct login.

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

export class LoginThrottle {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly settings: ThrottleSettings,
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
  fail(address: string, user?: string): number {
    const failures = this.bump(`a:${address}`);
    if (user !== undefined) this.bump(`u:${user}`);
    const over = failures - Math.floor(this.settings.maxFailures / 2);
    return over > 0 ? Math.min(MAX_DELAY_MS, over * STEP_MS) : 0;
  }

  /** A correct login clears its user name's count (never its address's: one known account must not unlock guessing of others). */
  succeed(user: string): void {
    this.counters.delete(`u:${user}`);
  }

  private bump(key: string): number {
    const counter = this.counter(key);
    if (counter) {
      counter.failures += 1;
      return counter.failures;
    }
    if (this.counters.size >= MAX_COUNTERS) this.counters.delete(this.counters.keys().next().value as string);
    this.counters.set(key, { failures: 1, resetAt: this.now() + this.settings.windowMs });
    return 1;
  }
}

export const pause = (ms: number) => (ms > 0 ? new Promise<void>((resolve) => setTimeout(resolve, ms)) : Promise.resolve());
