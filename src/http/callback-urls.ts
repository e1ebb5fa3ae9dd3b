import type { HttpContext } from './context.js';
import { invalid } from '../domain/errors.js';
import { literalRefusal } from '../lib/outbound-rules.js';

/**
 * A callback URL whose host is a literal address the outbound policy refuses is a 400 at once,
 * naming the rule; host names are judged when a delivery resolves them.
 */
export function checkCallbackUrls(ctx: HttpContext, urls: Record<string, string | undefined>): void {
  for (const [param, url] of Object.entries(urls)) {
    const why = url ? literalRefusal(ctx.config.callbackNetworks, url) : null;
    if (why) throw invalid(`${param} is not allowed: ${why}`);
  }
}
