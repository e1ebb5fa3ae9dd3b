import type { FastifyRequest } from 'fastify';
import { invalid } from '../domain/errors.js';
import type { HttpMethod } from '../domain/models.js';

// Reading PascalCase parameters from a form body (POST) or query string (GET). Each reader
// returns undefined when the parameter is absent and throws a Twilio-style 400 when it is bad.

export type Params = Record<string, string | string[] | undefined>;

export function formOf(request: FastifyRequest): Params {
  const source = request.method === 'GET' || request.method === 'DELETE' ? request.query : request.body;
  return (source && typeof source === 'object' ? source : {}) as Params;
}

export function str(params: Params, name: string, { max = 1024 }: { max?: number } = {}): string | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalid(`${name} must be given once`);
  if (value.length > max) throw invalid(`${name} must be at most ${max} characters`);
  return value;
}

export function list(params: Params, name: string): string[] | undefined {
  const value = params[name];
  if (value === undefined) return undefined;
  return (Array.isArray(value) ? value : [value]).filter((v) => v !== '');
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
