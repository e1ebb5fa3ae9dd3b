import { invalid } from './errors.js';
import type { ClockRepo } from './ports.js';

// Every rule that depends on time reads a Clock, so emulated time can move forward in tests.
export interface Clock {
  /** Milliseconds since the epoch, in the clock's own (possibly emulated) time. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** Real time shifted by an offset that only ever grows. */
export class OffsetClock implements Clock {
  constructor(private offsetMs = 0) {}
  now(): number {
    return Date.now() + this.offsetMs;
  }
  get offset(): number {
    return this.offsetMs;
  }
  setOffset(offsetMs: number): void {
    this.offsetMs = Math.max(this.offsetMs, offsetMs);
  }
  /** Only for a reset or a restored snapshot, which may take the clock back. */
  protected replaceOffset(offsetMs: number): void {
    this.offsetMs = offsetMs;
  }
}

const MAX_ADVANCE_S = 100 * 365 * 86_400;
const LATEST = Date.UTC(9000, 0, 1);

/**
 * The emulated clock: real time plus an offset kept in the database, so every process on it
 * agrees on the time. The offset only grows, except when the state is replaced (a reset, a
 * restored snapshot): then every process takes the stored offset as it is. `now()` stays
 * synchronous; each process re-reads the shared offset at most every `refreshMs` (requests and
 * workers call `refresh`).
 */
export class SharedClock extends OffsetClock {
  private lastRefresh = 0;
  /** The state version the offset belongs to; null until first read. */
  private stateVersion: number | null = null;

  constructor(
    private readonly repo: ClockRepo,
    private readonly refreshMs = 100,
  ) {
    super(0);
  }

  async refresh(force = false): Promise<void> {
    const real = Date.now();
    if (!force && real - this.lastRefresh < this.refreshMs) return;
    this.lastRefresh = real;
    this.take(await this.repo.read());
  }

  /** Takes the stored offset as it is, even when it is behind (a reset or a restored snapshot). */
  async reload(): Promise<void> {
    const stored = await this.repo.read();
    this.stateVersion = null;
    this.take(stored);
    this.lastRefresh = Date.now();
  }

  /** A replaced state's offset is taken as it is; otherwise the clock never goes back. */
  private take({ offsetMs, stateVersion }: { offsetMs: number; stateVersion: number }): void {
    if (stateVersion === this.stateVersion) return this.setOffset(offsetMs);
    this.stateVersion = stateVersion;
    this.replaceOffset(offsetMs);
  }

  /** Moves emulated time forward by `seconds`. */
  async advance(seconds: number): Promise<number> {
    if (!Number.isFinite(seconds) || seconds < 0 || seconds > MAX_ADVANCE_S) {
      throw invalid(`advance_seconds must be a number of seconds from 0 to ${MAX_ADVANCE_S} (100 years)`);
    }
    await this.refresh(true);
    return this.persist(this.offset + Math.round(seconds * 1000));
  }

  /** Sets emulated time to `target` (epoch milliseconds), which must not be in its past. */
  async set(target: number): Promise<number> {
    if (!Number.isFinite(target)) throw invalid('now must be a date-time such as 2025-01-31T12:00:00Z');
    await this.refresh(true);
    if (target > LATEST) throw invalid('now must be before the year 9000');
    const offset = target - Date.now();
    if (offset < this.offset) throw invalid(`The clock never goes backwards: it is already ${new Date(this.now()).toISOString()}`);
    return this.persist(offset);
  }

  private async persist(offset: number): Promise<number> {
    this.setOffset(await this.repo.advance(offset));
    this.lastRefresh = Date.now();
    return this.now();
  }
}
