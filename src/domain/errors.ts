// The one error type the domain raises. `code` is stable and is mapped to an HTTP status and a
// Twilio error code in exactly one place: src/http/errors.ts.

export type DomainErrorCode =
  | 'not_found'
  | 'invalid_parameter'
  | 'missing_parameter'
  | 'unique_name_taken'
  | 'in_use'
  | 'update_in_progress'
  | 'invalid_transition'
  | 'rate_plan_required'
  | 'rate_plan_not_found'
  | 'forbidden'
  | 'invalid_parameter_combination'
  | 'unsupported_filter_combination'
  | 'registration_missing'
  | 'registration_unknown_iccid'
  | 'registration_wrong_code'
  | 'registration_already_yours'
  | 'registration_taken'
  | 'not_retryable'
  | 'page_size_too_large'
  | 'invalid_paging'
  | 'reset_not_allowed'
  | 'reset_in_progress'
  | 'sim_not_found'
  | 'sim_not_ready'
  | 'not_permitted'
  | 'rate_plan_not_allowed'
  | 'batch_finished'
  | 'idempotency_conflict';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export const invalid = (message: string) => new DomainError('invalid_parameter', message);
export const missing = (name: string) => new DomainError('missing_parameter', `Missing required parameter ${name} in the post body`);
export const notFound = (message: string) => new DomainError('not_found', message);
