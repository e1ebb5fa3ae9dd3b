import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, type DomainErrorCode } from '../domain/errors.js';
import type { FaultReporter } from './faults.js';

// The one place where domain errors become HTTP statuses and Twilio error codes.

const MAPPING: Record<DomainErrorCode, { status: number; code: number }> = {
  not_found: { status: 404, code: 20404 },
  invalid_parameter: { status: 400, code: 20001 },
  missing_parameter: { status: 400, code: 20001 },
  invalid_parameter_combination: { status: 400, code: 33121 },
  unsupported_filter_combination: { status: 400, code: 20004 },
  unique_name_taken: { status: 409, code: 20409 },
  in_use: { status: 409, code: 20409 },
  update_in_progress: { status: 409, code: 33010 },
  invalid_transition: { status: 400, code: 33105 },
  rate_plan_required: { status: 400, code: 33104 },
  rate_plan_not_found: { status: 400, code: 33108 },
  forbidden: { status: 403, code: 20403 },
  registration_missing: { status: 400, code: 83001 },
  registration_unknown_iccid: { status: 404, code: 20404 },
  registration_wrong_code: { status: 400, code: 83002 },
  registration_already_yours: { status: 409, code: 83003 },
  registration_taken: { status: 409, code: 20409 },
  not_retryable: { status: 409, code: 20409 },
};

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
    const { status, code } = MAPPING[error.code];
    // Twilio's not-found message names the path that was asked for.
    const message = error.code === 'not_found' ? `The requested resource ${request.url.split('?')[0]} was not found` : error.message;
    return sendError(reply, status, code, message);
  }
  if (error.validation || error.statusCode === 400 || error.statusCode === 415 || error.statusCode === 413) {
    const status = error.statusCode ?? 400;
    return sendError(reply, status, 20001, `Invalid request: ${error.message}`);
  }
  if (faults.fault(error, request.log)) {
    reply.header('Retry-After', '1');
    return sendError(reply, 503, 20503, 'Service Unavailable: the database cannot be used right now; try again shortly');
  }
  faults.unexpected(error, request.log, 'request failed');
  return sendError(reply, 500, 20500, 'Internal Server Error');
}
