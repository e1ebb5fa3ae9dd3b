import type { StoreFault } from '../domain/ports.js';

// What a database error means for the operator: the database is unreachable, its disk is full,
// or its file is read-only. Anything else is not a fault of the database (null).

/** SQLSTATE classes and codes of a lost or refused PostgreSQL connection. */
const PG_UNAVAILABLE = /^(08|57P0[1-3]|53300|3D000)/;
const NET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);
const PG_MESSAGES = /not currently accepting connections|Connection terminated|not queryable|timeout exceeded when trying to connect|Connection ended|the database system is (starting up|shutting down)/i;

const codeOf = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

export function faultOf(error: unknown): StoreFault | null {
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const fault = faultOf(inner);
      if (fault) return fault;
    }
    return null;
  }
  if (!(error instanceof Error)) return null;
  const code = codeOf(error);
  if (code === 'SQLITE_FULL' || code === '53100') return { kind: 'disk_full', message: 'the database disk is full' };
  if (code?.startsWith('SQLITE_READONLY') || code === '25006') return { kind: 'read_only', message: 'the database is read-only' };
  if (code?.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN') return { kind: 'unavailable', message: `the database file cannot be read or written (${code})` };
  if (code === 'SQLITE_BUSY') return { kind: 'unavailable', message: 'the database is locked by another process' };
  if ((code && (PG_UNAVAILABLE.test(code) || NET_CODES.has(code))) || PG_MESSAGES.test(error.message)) {
    return { kind: 'unavailable', message: `the database cannot be reached (${error.message || code})` };
  }
  if (error.cause !== undefined && error.cause !== error) return faultOf(error.cause);
  return null;
}

/** True when `error` means the connection it ran on is lost: the statement may be retried on another. */
export const isConnectionLost = (error: unknown): boolean => faultOf(error)?.kind === 'unavailable' && codeOf(error) !== 'SQLITE_BUSY';
