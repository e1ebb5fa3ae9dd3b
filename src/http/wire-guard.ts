import type { FastifyInstance, FastifyRequest } from 'fastify';
import { invalid } from '../domain/errors.js';
import { checkPercentEncoding } from './form-body.js';

// Refuses, before any route runs, every value the databases cannot store alike: a NUL (which
// PostgreSQL's text cannot hold, while SQLite can), other control characters, text that is not
// well-formed Unicode, and numbers beyond what an id can be; and a query string that is not
// valid percent-encoding. Checked in the query string, the path, the form or JSON body (keys
// and values, at any depth). Thrown as a domain error, each surface answers it in its own
// format: Twilio's 400 with its invalid-request code, the admin API's invalid_body. So SQLite
// and PostgreSQL answer the same, and nothing is written.

/** C0 controls and DEL, except tab, line feed and carriage return, which text may carry. */
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const codePoint = (c: string) => `U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;

/** Why `value` cannot be stored, or null when it can. */
export function unstorableText(value: string): string | null {
  const control = CONTROL.exec(value);
  if (control) return `must not contain control characters (found ${codePoint(control[0])})`;
  if (LONE_SURROGATE.test(value)) return 'must be well-formed Unicode (found a lone surrogate)';
  return null;
}

function check(where: string, value: unknown, depth = 0): void {
  if (depth > 32) throw invalid(`${where} is nested too deeply`);
  if (typeof value === 'string') {
    const why = unstorableText(value);
    if (why) throw invalid(`${where} ${why}`);
  } else if (typeof value === 'number') {
    if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) throw invalid(`${where} must be a number from -${Number.MAX_SAFE_INTEGER} to ${Number.MAX_SAFE_INTEGER}`);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => check(`${where}[${i}]`, item, depth + 1));
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const why = unstorableText(key);
      if (why) throw invalid(`A parameter name ${why}`);
      check(where === '' ? key : `${where}.${key}`, item, depth + 1);
    }
  }
}

export function guardWire(app: FastifyInstance): void {
  app.addHook('preValidation', async (request: FastifyRequest) => {
    // The query parser takes a bad escape literally; refuse it instead.
    const query = request.url.indexOf('?');
    if (query >= 0) checkPercentEncoding(request.url.slice(query + 1), 'The query string');
    for (const [name, value] of Object.entries((request.params ?? {}) as Record<string, unknown>)) check(`The path segment {${name}}`, value);
    check('', request.query);
    check(typeof request.body === 'string' ? 'The body' : '', request.body);
  });
}
