import { invalid } from '../errors.js';
import type { CommandMode } from './device-models.js';

// The size and shape rules of a Command's message (Twilio's Command resource docs). Pure.

/** Text mode: at most 160 single-byte characters. */
export const MAX_TEXT_CHARS = 160;
/** Binary mode: at most 140 bytes, given as base64. */
export const MAX_BINARY_BYTES = 140;
/** With IncludeSid, the text before the SID is added may be at most this long (as documented). */
export const MAX_TEXT_WITH_SID = 128;

export type IncludeSid = 'none' | 'start' | 'end';
export const INCLUDE_SID: readonly IncludeSid[] = ['none', 'start', 'end'];

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of a binary Command; throws unless `value` is canonical base64 of 1..140 bytes. */
export function decodeBinary(value: string): Buffer {
  if (value === '' || !BASE64.test(value)) throw invalid('Command must be base64 (RFC 4648, with padding) in binary mode');
  const bytes = Buffer.from(value, 'base64');
  if (bytes.toString('base64') !== value) throw invalid('Command is not canonical base64');
  if (bytes.length > MAX_BINARY_BYTES) throw invalid(`A binary Command may be at most ${MAX_BINARY_BYTES} bytes; this one is ${bytes.length}`);
  return bytes;
}

function checkText(value: string, max: number, what: string): void {
  if (value === '') throw invalid('Command must not be empty');
  if (/[^\u0000-\u00ff]/.test(value)) throw invalid('A text Command may contain only single-byte characters (U+0000 to U+00FF)');
  if (value.length > max) throw invalid(`${what} may be at most ${max} characters; this one is ${value.length}`);
}

/**
 * Checks a Command's message and returns it as carried: in text mode with IncludeSid, the SID is
 * put at the start or the end, separated by a space.
 */
export function buildMessage(mode: CommandMode, value: string, includeSid: IncludeSid, sid: string): string {
  if (mode === 'binary') {
    if (includeSid !== 'none') throw invalid('IncludeSid applies to text mode only; use none (or leave it out) in binary mode');
    decodeBinary(value);
    return value;
  }
  if (includeSid === 'none') {
    checkText(value, MAX_TEXT_CHARS, 'A text Command');
    return value;
  }
  checkText(value, MAX_TEXT_WITH_SID, 'With IncludeSid, the text Command');
  return includeSid === 'start' ? `${sid} ${value}` : `${value} ${sid}`;
}
