import { createHmac } from 'node:crypto';
import type { HttpMethod } from '../domain/models.js';

/**
 * Twilio's request signature: HMAC-SHA1, keyed with the auth token, over the full URL followed
 * by each POST parameter's name and value in name order; base64. `twilio.validateRequest`
 * checks exactly this. GET requests carry their parameters in the URL and sign no others.
 */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + params[key], url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}

export interface SignedRequest {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: string | undefined;
}

/** A status callback as Wisp sends it: a form for POST, a query string for GET; signed. */
export function signedRequest(target: { url: string; method: HttpMethod }, params: Record<string, string>, authToken: string, idempotencyToken: string): SignedRequest {
  const query = new URLSearchParams(params).toString();
  const headers: Record<string, string> = {
    'user-agent': 'TwilioProxy/1.1',
    'i-twilio-idempotency-token': idempotencyToken,
  };
  if (target.method === 'GET') {
    const url = target.url + (target.url.includes('?') ? '&' : '?') + query;
    headers['x-twilio-signature'] = twilioSignature(authToken, url, {});
    return { url, method: 'GET', headers, body: undefined };
  }
  headers['content-type'] = 'application/x-www-form-urlencoded';
  headers['x-twilio-signature'] = twilioSignature(authToken, target.url, params);
  return { url: target.url, method: 'POST', headers, body: query };
}
