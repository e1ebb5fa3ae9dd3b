// Repeated identical errors are logged once per interval, not once per occurrence: a database
// that is down fails every request and every poll, and thousands of identical lines hide the one
// that says why. The next line of a key says how many were left out meanwhile.

export interface ThrottledLine {
  /** Identical lines left out since this key was last logged. */
  suppressed: number;
}

export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The line to log for `key` now, or null to leave it out. */
  take(key: string): ThrottledLine | null {
    const at = this.now();
    const seen = this.last.get(key);
    if (seen && at - seen.at < this.intervalMs) {
      seen.suppressed += 1;
      return null;
    }
    // A bounded memory of keys: a flood of distinct keys forgets the oldest.
    if (!seen && this.last.size >= 1000) this.last.delete(this.last.keys().next().value as string);
    this.last.set(key, { at, suppressed: 0 });
    return { suppressed: seen?.suppressed ?? 0 };
  }
}
