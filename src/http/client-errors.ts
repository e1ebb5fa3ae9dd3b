import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminError, type AdminErrorCode, sendAdminError } from '../admin/errors.js';
import { answerFor, sendError, twilioError } from './errors.js';

// Errors raised before any route runs: by Node.js's HTTP parser (bytes that are not HTTP, a bad
// Content-Length, headers too large, a request too slow), by Fastify's router (a path that is
// not valid percent-encoding) and by Wisp's own limit on the URL. Each is answered in the format
// of the surface the request was for: Twilio's error object on the Twilio surfaces, the admin
// catalog's on /admin/. Where nothing of the request could be read, Twilio's.

type Surface = 'admin' | 'twilio';

const surfaceOf = (path: string): Surface => (path.startsWith('/admin/') ? 'admin' : 'twilio');

/** The admin catalog's code for a status raised before routing. */
const ADMIN_CODE: Record<number, AdminErrorCode> = { 400: 'invalid_body', 404: 'not_found', 408: 'request_timeout', 414: 'uri_too_long', 431: 'headers_too_large' };

/** The statuses answered before routing with the invalid-request code of the surface (404 aside, which is 20404). */
export const EARLY_STATUSES = [400, 408, 414, 431] as const;

/** Twilio's error code for a status raised before routing; the dictionary has no page for 408, 414 or 431, so they carry the invalid-request code as a 400 does. */
function twilioCode(status: number, path: string): number {
  if (status === 404) return 20404;
  return answerFor('invalid_parameter', path).code;
}

function errorBody(status: number, message: string, path: string): object {
  if (surfaceOf(path) === 'admin') return { code: ADMIN_CODE[status] ?? 'invalid_body', error: message, status };
  return twilioError(status, twilioCode(status, path), message);
}

/** Answers a request that reached Fastify, in its surface's format. */
export function sendEarlyError(reply: FastifyReply, status: number, message: string): FastifyReply {
  const path = reply.request.url;
  if (surfaceOf(path) === 'admin') return sendAdminError(reply, new AdminError(ADMIN_CODE[status] ?? 'invalid_body', message));
  return sendError(reply, status, twilioCode(status, path), message);
}

/** The path of the request line at the start of `raw`, if it is there. */
function pathOf(raw: Buffer | undefined): string | null {
  if (!raw) return null;
  const match = /^[A-Z]+ (\/[^ \r\n?]*)/.exec(raw.subarray(0, 512).toString('latin1'));
  return match ? match[1] : null;
}

/** The request line's length, or Infinity when it has not ended within `raw`. */
function requestLineLength(raw: Buffer | undefined): number {
  const end = raw ? raw.indexOf('\r\n') : -1;
  return end < 0 ? Infinity : end;
}

/** Node.js's parser error: the bytes it was reading are in `rawPacket`. */
type ParserError = Error & { code?: string; rawPacket?: unknown };

const rawOf = (error: ParserError): Buffer | undefined => (Buffer.isBuffer(error.rawPacket) ? error.rawPacket : undefined);

function classify(error: ParserError, maxUrlBytes: number): { status: number; message: string } {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, message: 'Request Timeout: the request did not arrive in time (WISP_HTTP_REQUEST_TIMEOUT_MS)' };
  if (error.code === 'HPE_HEADER_OVERFLOW') {
    // Node.js counts the request line among the headers: a long URL overflows them too.
    if (requestLineLength(rawOf(error)) > maxUrlBytes) return { status: 414, message: `URI Too Long: a URL may have at most ${maxUrlBytes} bytes` };
    return { status: 431, message: 'Request Header Fields Too Large: the headers exceed WISP_HTTP_MAX_HEADER_BYTES' };
  }
  if (error.code === 'HPE_INVALID_CONTENT_LENGTH' || error.code === 'HPE_UNEXPECTED_CONTENT_LENGTH') return { status: 400, message: 'Bad Request: the Content-Length header is not valid' };
  return { status: 400, message: 'Bad Request: the request is not valid HTTP/1.1' };
}

/**
 * Answers what Node.js's parser refused, then closes the connection (the parser cannot go on).
 * `lastPath` knows the path of a request whose headers were read, for a body that timed out.
 */
export function clientErrorHandler(maxUrlBytes: number, lastPath: WeakMap<Socket, string>) {
  return (error: ParserError, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, message } = classify(error, maxUrlBytes);
    const path = pathOf(rawOf(error)) ?? lastPath.get(socket) ?? '/';
    const body = JSON.stringify(errorBody(status, message, path));
    if (socket.writable) {
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    }
    socket.destroy(error);
  };
}

/** Fastify's router errors: a path that is not valid percent-encoding, a path segment too long to name anything. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const path = reply.request.url.split('?')[0];
  if (error.code === 'FST_ERR_BAD_URL') void sendEarlyError(reply, 400, 'Bad Request: the path is not valid percent-encoded UTF-8');
  else if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') void sendEarlyError(reply, 404, `The requested resource ${path} was not found`);
  else void sendEarlyError(reply, 400, `Bad Request: ${error.message}`);
}

/**
 * Refuses a URL longer than `maxUrlBytes` (414) before anything else looks at it, and remembers
 * each connection's last path for the parser's errors.
 */
export function guardUrl(app: FastifyInstance, maxUrlBytes: number, lastPath: WeakMap<Socket, string>): void {
  app.addHook('onRequest', (request, reply, done) => {
    lastPath.set(request.raw.socket, request.url.split('?')[0]);
    if (request.url.length > maxUrlBytes) return void sendEarlyError(reply, 414, `URI Too Long: a URL may have at most ${maxUrlBytes} bytes`);
    done();
  });
}
