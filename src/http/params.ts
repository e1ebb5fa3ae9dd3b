import type { FastifyRequest } from 'fastify';
import { invalid } from '../domain/errors.js';
import type { HttpMethod } from '../domain/models.js';

// Reading PascalCase parameters from a form body (POST) or query string (GET, HEAD, DELETE).
// Each reader returns undefined when the parameter is absent and throws a Twilio-style 400 when
// it is bad.

export type Params = Record<string, string | string[] | undefined>;

export function formOf(request: FastifyRequest): Params {
  const source = request.method === 'POST' ? request.body : request.query;
  return (source && typeof source === 'object' ? source : {}) as Params;
}

/** A form value as text: the form parser gives strings, or arrays of them for repeated names. */
function text(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  throw invalid(`${name} must be a text value; send parameters form-encoded`);
}

export function str(params: Params, name: string, { max = 1024 }: { max?: number } = {}): string | undefined {
  const value: unknown = params[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalid(`${name} must be given once`);
  const result = text(name, value);
  if (result.length > max) throw invalid(`${name} must be at most ${max} characters`);
  return result;
}

export function list(params: Params, name: string): string[] | undefined {
  const value: unknown = params[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).map((v: unknown) => text(name, v)).filter((v) => v !== '');
}

export function oneOf<T extends string>(params: Params, name: string, allowed: readonly T[]): T | undefined {
  const value = str(params, name);
  if (value === undefined) return undefined;
  if (!allowed.includes(value as T)) throw invalid(`${name} must be one of ${allowed.join(', ')}; got "${value}"`);
  return value as T;
}

export const method = (params: Params, name: string): HttpMethod | undefined => {
  const value = str(params, name);
  if (value === undefined) return undefined;
  const upper = value.toUpperCase();
  if (upper !== 'GET' && upper !== 'POST') throw invalid(`${name} must be GET or POST; got "${value}"`);
  return upper;
};

export function bool(params: Params, name: string): boolean | undefined {
  const value = str(params, name);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw invalid(`${name} must be true or false; got "${value}"`);
}

export function int(params: Params, name: string, { min, max }: { min: number; max: number }): number | undefined {
  const value = str(params, name);
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value)) throw invalid(`${name} must be a whole number; got "${value}"`);
  const n = Number(value);
  if (n < min || n > max) throw invalid(`${name} must be from ${min} to ${max}; got ${value}`);
  return n;
}

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO 8601 date (`2024-05-01`) or date-time (`2024-05-01T12:00:00Z`; without a zone it is
 * GMT), as epoch milliseconds. With `inclusiveEnd`, the result is the last millisecond of the
 * period written: the whole day of a bare date, the whole second of a time without fractions.
 */
export function isoDateTime(params: Params, name: string, { inclusiveEnd = false } = {}): number | undefined {
  const value = str(params, name, { max: 64 });
  if (value === undefined) return undefined;
  const bad = () => invalid(`${name} must be an ISO 8601 date-time such as 2024-05-01T00:00:00Z; got "${value}"`);
  const m = ISO_DATE_TIME.exec(value);
  if (!m) throw bad();
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac, zone] = m;
  const ms = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let t = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), ms);
  const check = new Date(t);
  if (check.getUTCMonth() !== Number(mo) - 1 || check.getUTCDate() !== Number(d) || check.getUTCHours() !== Number(h) || check.getUTCMinutes() !== Number(mi) || check.getUTCSeconds() !== Number(s)) {
    throw bad();
  }
  if (zone && zone !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z || Number(z[2]) > 23 || Number(z[3]) > 59) throw bad();
    t -= (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
  }
  if (inclusiveEnd) {
    if (m[4] === undefined) t += 86_400_000 - 1;
    else if (m[6] === undefined) t += 60_000 - 1;
    else if (frac === undefined) t += 999;
  }
  return t;
}
