import { invalid } from '../domain/errors.js';
import type { NetworkChange } from '../domain/network.js';

export const MAX_LATENCY_MS = 60_000;

/** Checks a JSON body for POST /admin/v1/Network; throws a DomainError naming the bad field. */
export function parseNetworkChange(body: unknown): NetworkChange {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    throw invalid('The body must be a JSON object: {"available":bool,"latency_ms":int,"failure_rate":0..1}');
  }
  const { available, latency_ms, failure_rate, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw invalid(`Unknown field(s): ${unknown.join(', ')}`);
  const change: NetworkChange = {};
  if (available !== undefined) {
    if (typeof available !== 'boolean') throw invalid('available must be true or false');
    change.available = available;
  }
  if (latency_ms !== undefined) {
    if (typeof latency_ms !== 'number' || !Number.isInteger(latency_ms) || latency_ms < 0 || latency_ms > MAX_LATENCY_MS) {
      throw invalid(`latency_ms must be a whole number from 0 to ${MAX_LATENCY_MS}`);
    }
    change.latency_ms = latency_ms;
  }
  if (failure_rate !== undefined) {
    if (typeof failure_rate !== 'number' || !(failure_rate >= 0 && failure_rate <= 1)) throw invalid('failure_rate must be a number from 0 to 1');
    change.failure_rate = failure_rate;
  }
  return change;
}
