import { randomBytes } from 'node:crypto';

// Twilio SIDs: a two-letter prefix and 32 lowercase hex digits.
export type SidPrefix = 'AC' | 'SK' | 'DE' | 'WP' | 'AE' | 'DC' | 'WN' | 'WB';

export function newSid(prefix: SidPrefix): string {
  return prefix + randomBytes(16).toString('hex');
}

export function isSid(value: string, prefix: SidPrefix): boolean {
  return value.length === 34 && value.startsWith(prefix) && /^[0-9a-fA-F]{32}$/.test(value.slice(2));
}

export function newSecret(): string {
  return randomBytes(16).toString('hex');
}
