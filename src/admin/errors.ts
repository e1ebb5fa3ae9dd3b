import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorCode } from '../domain/errors.js';
import { NetworkRefusal } from '../domain/devices/plan-rules.js';
import type { FaultReporter } from '../http/faults.js';

// The admin API's one error catalog, in the manner of Fastify's lib/errors.js: every error has
// a stable code and a status, and every error body has one shape:
//
//   { "code": "invalid_body", "error": "limit must be a whole number from 1 to 1000", "status": 400 }
//
// (a refused network use adds `reason` and `error_code`). Routes throw; the handler answers.

export const ADMIN_ERRORS = {
  unauthorized: { status: 401 },
  invalid_body: { status: 400 },
  not_found: { status: 404 },
  conflict: { status: 409 },
  /** The simulated network would not carry what the device tried (data, a Command). */
  network_refused: { status: 409 },
  /** The request's body did not arrive within WISP_HTTP_REQUEST_TIMEOUT_MS. */
  request_timeout: { status: 408 },
  body_too_large: { status: 413 },
  uri_too_long: { status: 414 },
  unsupported_media_type: { status: 415 },
  headers_too_large: { status: 431 },
  /** Too many wrong admin tokens from this address: wait Retry-After seconds. */
  too_many_requests: { status: 429 },
  /** The database cannot be used right now (unreachable, disk full, read-only). */
  unavailable: { status: 503 },
  internal: { status: 500 },
} as const satisfies Record<string, { status: number }>;

export type AdminErrorCode = keyof typeof ADMIN_ERRORS;

export class AdminError extends Error {
  constructor(
    readonly code: AdminErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AdminError';
  }
}

export const badBody = (message: string) => new AdminError('invalid_body', message);

/** How the domain's errors read in the admin API: a conflict, a miss, or bad input. */
const FROM_DOMAIN: Partial<Record<DomainErrorCode, AdminErrorCode>> = {
  not_found: 'not_found',
  registration_unknown_iccid: 'not_found',
  not_retryable: 'conflict',
  update_in_progress: 'conflict',
  in_use: 'conflict',
  unique_name_taken: 'conflict',
};

const FROM_STATUS: Record<number, AdminErrorCode> = { 400: 'invalid_body', 404: 'not_found', 408: 'request_timeout', 413: 'body_too_large', 414: 'uri_too_long', 415: 'unsupported_media_type', 431: 'headers_too_large' };

function toAdminError(error: unknown): AdminError | null {
  if (error instanceof AdminError) return error;
  if (error instanceof NetworkRefusal) {
    const { reason, errorCode, message } = error.refusal;
    return new AdminError('network_refused', message, { reason, error_code: errorCode });
  }
  if (error instanceof DomainError) return new AdminError(FROM_DOMAIN[error.code] ?? 'invalid_body', error.message);
  const status = (error as FastifyError | null)?.statusCode;
  if (status === undefined || status < 400 || status >= 500) return null;
  if (status === 415) return new AdminError('unsupported_media_type', 'The body must be JSON (Content-Type: application/json)');
  return new AdminError(FROM_STATUS[status] ?? 'invalid_body', (error as Error).message);
}

export function sendAdminError(reply: FastifyReply, error: AdminError): FastifyReply {
  const { status } = ADMIN_ERRORS[error.code];
  return reply.code(status).type('application/json').send({ code: error.code, error: error.message, status, ...error.details });
}

export const adminErrorHandler = (faults: FaultReporter) => (error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
  const known = toAdminError(error);
  if (known) return sendAdminError(reply, known);
  const fault = faults.fault(error, request.log);
  if (fault) return sendAdminError(reply.header('Retry-After', '1'), new AdminError('unavailable', `Service Unavailable: ${fault.message}`));
  faults.unexpected(error, request.log, 'admin request failed');
  return sendAdminError(reply, new AdminError('internal', 'Internal Server Error'));
};
