import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { parse } from 'fast-querystring';
import { invalid } from '../domain/errors.js';

// Form-encoded bodies, read strictly: a body must be UTF-8 text and valid percent-encoding (a
// "%" not followed by two hex digits, or escapes that do not spell UTF-8, are a 400, never taken
// literally). Twilio's surfaces take form-encoded bodies and nothing else: a body of any other
// type (JSON, plain text, multipart) or with no type is refused with 415 by Fastify rather than
// read as an empty request.

export const FORM = 'application/x-www-form-urlencoded';

/** Throws the domain's 400 when `encoded` (a form body or a query string) is not valid percent-encoding. */
export function checkPercentEncoding(encoded: string, where: string): void {
  if (!encoded.includes('%')) return;
  try {
    decodeURIComponent(encoded.replace(/\+/g, ' '));
  } catch {
    throw invalid(`${where} is not valid percent-encoding: each "%" must start an escape (%XX) of UTF-8 bytes`);
  }
}

async function parseForm(_request: FastifyRequest, body: Buffer): Promise<Record<string, unknown>> {
  if (!isUtf8(body)) throw invalid('The body is not UTF-8 text');
  const text = body.toString('utf8');
  checkPercentEncoding(text, 'The body');
  return parse(text) as Record<string, unknown>;
}

/** Reads form-encoded bodies in `scope` (and the scopes it contains). */
export function readFormBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser(FORM, { parseAs: 'buffer' }, parseForm);
}

/** Makes form encoding the only body `scope` reads (call it inside the scope's plugin). */
export function formBodiesOnly(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  readFormBodies(scope);
}
