import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../http/context.js';
import type { Services } from '../domain/services.js';
import type { Caller } from '../domain/caller.js';
import type { Assets } from './assets.js';
import type { ConsoleSessions, SignedIn } from './session.js';
import type { LiveStreams } from './live.js';
import { type Html } from './html.js';
import { page, sendPage, type PageOptions } from './layout.js';
import { query } from './html.js';

/** Who may open a console route. */
export type Access = 'public' | 'account' | 'operator' | 'any';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** The route checks the CSRF token itself (a multipart form reads it from its own body). */
    csrfInHandler?: boolean;
  }
}

export interface ConsoleContext {
  http: HttpContext;
  services: Services;
  assets: Assets;
  sessions: ConsoleSessions;
  live: LiveStreams;
}

/** The session of a route whose access was checked: an account's, with its caller. */
export function accountOf(request: FastifyRequest): { signedIn: SignedIn; caller: Caller; csrf: string } {
  const signedIn = request.signedIn!;
  return { signedIn, caller: signedIn.caller!, csrf: signedIn.session.csrf_token };
}

export function operatorOf(request: FastifyRequest): { signedIn: SignedIn; csrf: string } {
  const signedIn = request.signedIn!;
  return { signedIn, csrf: signedIn.session.csrf_token };
}

/** The one-time notice a redirect carried. */
export function noticeOf(request: FastifyRequest): string | null {
  const notice = (request.query as Record<string, unknown> | undefined)?.notice;
  return typeof notice === 'string' ? notice.slice(0, 300) : null;
}

/** Renders a page in the console's shell. */
export function render(cx: ConsoleContext, request: FastifyRequest, reply: FastifyReply, options: Omit<PageOptions, 'signedIn' | 'notice'> & { notice?: string | null }, body: Html, status = 200): FastifyReply {
  const markup = page(cx.assets, { ...options, signedIn: request.signedIn, notice: options.notice === undefined ? noticeOf(request) : options.notice }, body);
  return sendPage(reply, markup, status);
}

/** After a change: back to a page (303, so a reload does not post again), with a notice. */
export function redirectTo(reply: FastifyReply, path: string, notice?: string): FastifyReply {
  const separator = path.includes('?') ? '&' : '?';
  return reply.code(303).redirect(notice ? `${path}${separator}${query({ notice }).slice(1)}` : path);
}

/** The master's account picker: itself and its subaccounts (up to 200). */
export async function accountChoices(cx: ConsoleContext, request: FastifyRequest): Promise<{ sid: string; name: string }[] | undefined> {
  const signedIn = request.signedIn?.signedIn;
  if (!signedIn || signedIn.keySid !== null || signedIn.account.owner_account_sid !== signedIn.account.sid) return undefined;
  const page = await cx.services.accounts.list(signedIn, { status: 'active' }, { limit: 200 });
  return page.items.map((a) => ({ sid: a.sid, name: a.sid === signedIn.account.sid ? `${a.friendly_name} (master)` : a.friendly_name }));
}
