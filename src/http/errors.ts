import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorCode } from '../domain/errors.js';
import type { FaultReporter } from './faults.js';

// The one place where domain errors become HTTP statuses and Twilio error codes. Each code is
// the one Twilio's error dictionary (twilio.com/docs/api/errors/NNNNN) gives for the situation;
// docs/api.md lists them with their pages.

interface Answer {
  status: number;
  code: number;
}

/** Programmable Wireless answers bad and missing parameters, and bad paging, with its own codes. */
export const WIRELESS: Partial<Record<DomainErrorCode, Answer>> = {
  invalid_parameter: { status: 400, code: 33101 },
  missing_parameter: { status: 400, code: 33102 },
  invalid_paging: { status: 400, code: 33103 },
};

export const MAPPING: Record<DomainErrorCode, Answer> = {
  not_found: { status: 404, code: 20404 },
  // Outside Wireless no dictionary page names a code for a bad value; Wisp keeps 20001.
  invalid_parameter: { status: 400, code: 20001 },
  missing_parameter: { status: 400, code: 20001 },
  invalid_paging: { status: 400, code: 20001 },
  invalid_parameter_combination: { status: 400, code: 33121 },
  unsupported_filter_combination: { status: 400, code: 20004 },
  page_size_too_large: { status: 400, code: 20007 },
  // Only Wireless resources have unique names; 33101 names a taken one among its causes.
  unique_name_taken: { status: 400, code: 33101 },
  in_use: { status: 409, code: 20409 },
  update_in_progress: { status: 409, code: 33010 },
  invalid_transition: { status: 400, code: 33105 },
  reset_not_allowed: { status: 400, code: 33119 },
  reset_in_progress: { status: 409, code: 33120 },
  rate_plan_required: { status: 400, code: 33104 },
  sim_not_ready: { status: 400, code: 33104 },
  rate_plan_not_found: { status: 400, code: 33108 },
  sim_not_found: { status: 400, code: 33107 },
  rate_plan_not_allowed: { status: 400, code: 33122 },
  not_permitted: { status: 403, code: 33201 },
  forbidden: { status: 403, code: 20403 },
  registration_missing: { status: 400, code: 83001 },
  // 83002: "The ICCID and Registration Code do not belong to a registrable Super SIM".
  registration_unknown_iccid: { status: 400, code: 83002 },
  registration_wrong_code: { status: 400, code: 83002 },
  registration_taken: { status: 400, code: 83002 },
  registration_already_yours: { status: 409, code: 83003 },
  not_retryable: { status: 409, code: 20409 },
  // Bulk operations (docs/bulk.md): a finished batch cannot be canceled; a reused idempotency key.
  batch_finished: { status: 409, code: 20409 },
  idempotency_conflict: { status: 409, code: 20409 },
};

/** The database cannot be used right now: Wireless's "Service is unavailable", else the platform's. */
export const UNAVAILABLE = { wireless: 33004, other: 20503 } as const;

/** Wireless v1 paths (Monitor's /v1/Events shares the prefix but not the codes). */
export function isWireless(url: string): boolean {
  return url.startsWith('/v1/') && !url.startsWith('/v1/Events');
}

export function answerFor(code: DomainErrorCode, url: string): Answer {
  return (isWireless(url) ? WIRELESS[code] : undefined) ?? MAPPING[code];
}

export interface TwilioError {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

export function twilioError(status: number, code: number, message: string): TwilioError {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

export function sendError(reply: FastifyReply, status: number, code: number, message: string): FastifyReply {
  return reply.code(status).type('application/json').send(twilioError(status, code, message));
}

/** The Twilio wire's error handler; `faults` tells the database's own faults from bugs. */
export const errorHandlerWith = (faults: FaultReporter) => (error: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply) =>
  handleError(faults, error, request, reply);

function handleError(faults: FaultReporter, error: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof DomainError) {
    const { status, code } = answerFor(error.code, request.url);
    // Twilio's not-found message names the path that was asked for.
    const message = error.code === 'not_found' ? `The requested resource ${request.url.split('?')[0]} was not found` : error.message;
    return sendError(reply, status, code, message);
  }
  // 20413: "Request entity is larger than limits defined by the server."
  if (error.statusCode === 413) return sendError(reply, 413, 20413, `Request Entity Too Large: ${error.message}`);
  if (error.statusCode === 415) {
    const { code } = answerFor('invalid_parameter', request.url);
    return sendError(reply, 415, code, `Unsupported Media Type: the body must be form-encoded (Content-Type: application/x-www-form-urlencoded), not ${request.headers['content-type'] ?? 'untyped'}`);
  }
  // Fastify's own refusals of what the client sent (a bad Content-Length, an empty body…).
  const status = error.validation ? 400 : error.statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    const { code } = answerFor('invalid_parameter', request.url);
    return sendError(reply, status, code, `Invalid request: ${error.message}`);
  }
  if (faults.fault(error, request.log)) {
    reply.header('Retry-After', '1');
    const code = isWireless(request.url) ? UNAVAILABLE.wireless : UNAVAILABLE.other;
    return sendError(reply, 503, code, 'Service Unavailable: the database cannot be used right now; try again shortly');
  }
  faults.unexpected(error, request.log, 'request failed');
  return sendError(reply, 500, 20500, 'Internal Server Error');
}
