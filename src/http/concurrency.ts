import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';

/**
 * WISP_ACCOUNT_CONCURRENCY: an account with this many requests in progress gets 429 (code
 * 20429) for the next, as Twilio answers a client over its concurrency limit. Runs after
 * authentication; a request leaves the count when its connection is done with it.
 */
export function accountConcurrency(limit: number) {
  const inFlight = new Map<string, number>();
  return (request: FastifyRequest, reply: FastifyReply, done: () => void): void => {
    const sid = request.caller.account.sid;
    const count = inFlight.get(sid) ?? 0;
    if (count >= limit) {
      reply.header('Retry-After', '1');
      sendError(reply, 429, 20429, 'Too Many Requests: this account has too many requests in progress');
      return;
    }
    inFlight.set(sid, count + 1);
    reply.raw.once('close', () => {
      const left = (inFlight.get(sid) ?? 1) - 1;
      if (left > 0) inFlight.set(sid, left);
      else inFlight.delete(sid);
    });
    done();
  };
}
