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
}
