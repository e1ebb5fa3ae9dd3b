import { invalid } from './errors.js';

// Value rules shared by the services. Each throws a DomainError naming the parameter.

export const MAX_NAME = 64;

export function checkName(param: string, value: string | null, { sidPrefix }: { sidPrefix?: string } = {}): void {
  if (value === null) return;
  if (value.length > MAX_NAME) throw invalid(`${param} must be at most ${MAX_NAME} characters`);
  if (/[\u0000-\u001f\u007f]/.test(value)) throw invalid(`${param} must not contain control characters`);
  if (sidPrefix && new RegExp(`^${sidPrefix}[0-9a-fA-F]{32}$`).test(value)) {
    throw invalid(`${param} must not look like a ${sidPrefix} SID, or it could not be told apart from one in a URL`);
  }
}

export function checkUniqueName(param: string, value: string | null, sidPrefix: string): void {
  checkName(param, value, { sidPrefix });
  if (value !== null && value.trim() === '') throw invalid(`${param} must not be blank`);
}

export function checkUrl(param: string, value: string | null): void {
  if (value === null) return;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`${param} is not a valid absolute URL: ${value}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`${param} must be an http or https URL`);
  if (value.length > 2048) throw invalid(`${param} must be at most 2048 characters`);
}
