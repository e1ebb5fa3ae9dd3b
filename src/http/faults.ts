import type { FastifyBaseLogger } from 'fastify';
import type { StoreFault } from '../domain/ports.js';
import { LogThrottle } from '../lib/log-throttle.js';

// Requests that fail because of the database itself (unreachable, disk full, read-only) answer
// 503, and the log says so once per interval rather than once per request.

/** Tells a fault of the database from any other error (src/store/faults.ts, handed over by app.ts). */
export type FaultClassifier = (error: unknown) => StoreFault | null;

/** The setting an operator looks at for each kind of fault. */
const HINTS: Record<StoreFault['kind'], string> = {
  unavailable: 'check that the database named by DATABASE_URL is up and reachable',
  disk_full: 'free space on the disk that holds the database (DATABASE_URL)',
  read_only: 'make the database (DATABASE_URL) writable by the user Wisp runs as',
};

export class FaultReporter {
  private readonly throttle = new LogThrottle();

  constructor(readonly classify: FaultClassifier) {}

  /** The fault behind `error`, logged (rate-limited); null when the database is not to blame. */
  fault(error: unknown, log: FastifyBaseLogger): StoreFault | null {
    const fault = this.classify(error);
    if (!fault) return null;
    const seen = this.throttle.take(fault.kind);
    if (seen) log.error({ fault: fault.kind, suppressed: seen.suppressed, hint: HINTS[fault.kind] }, `database fault: ${fault.message}`);
    return fault;
  }

  /** Other failures, one log line per distinct message per interval. */
  unexpected(error: unknown, log: FastifyBaseLogger, message: string): void {
    const seen = this.throttle.take(`other:${error instanceof Error ? error.message : String(error)}`);
    if (seen) log.error({ err: error, suppressed: seen.suppressed }, message);
  }
}
