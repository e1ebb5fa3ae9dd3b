import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { HttpContext } from '../http/context.js';
import type { Caller } from '../domain/caller.js';
import { hasMasterCredentials, isMaster } from '../domain/caller.js';
import type { ConsoleSession } from '../domain/accounts/console-sessions.js';
import type { Verified } from '../domain/accounts/credentials.js';
import { DomainError } from '../domain/errors.js';

// Who is signed in to the console: the session of the cookie, read from the database on every
// request (a sign-out in any process holds at once), and for an account the caller its
// credential proves. That check is remembered per process until a revocation is seen (the
// credential version every process watches: BasicAuth.onForget), as Basic auth does.

export const SESSION_COOKIE = 'wisp_console';
/** Carries the sign-in form's CSRF token before there is a session. */
export const SIGN_IN_COOKIE = 'wisp_console_signin';

export interface SignedIn {
  session: ConsoleSession;
  /** For an account session: who the pages act as (the chosen subaccount, or the account). */
  caller: Caller | null;
  /** For an account session: the account and credential that signed in. */
  signedIn: Caller | null;
}

declare module 'fastify' {
  interface FastifyRequest {
    signedIn: SignedIn | null;
  }
}

const digest = (value: string) => createHash('sha256').update(value).digest('hex');

export const sameText = (a: string, b: string) => {
  const x = Buffer.from(digest(a), 'hex');
  const y = Buffer.from(digest(b), 'hex');
  return timingSafeEqual(x, y);
};

/** Verified account credentials, per session, until a revocation is seen. */
class CallerCache {
  private readonly entries = new Map<string, { verified: Verified; expires: number }>();

  constructor(private readonly ttlMs: number) {}

  get(idHash: string): Verified | undefined {
    const entry = this.entries.get(idHash);
    if (entry && entry.expires > Date.now()) return entry.verified;
    this.entries.delete(idHash);
    return undefined;
  }

  set(idHash: string, verified: Verified): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= 10_000) this.entries.clear();
    this.entries.set(idHash, { verified, expires: Date.now() + this.ttlMs });
  }

  clear(): void {
    this.entries.clear();
  }
}

/** Why a session is no longer valid, in words for the sign-in page. */
const ENDED: Record<string, string> = {
  unknown_user: 'Your session ended: the API key or account you signed in with no longer exists.',
  wrong_secret: 'Your session ended: the credentials you signed in with have changed.',
  account_inactive: 'Your session ended: the account is suspended or closed.',
  admin: 'Your session ended: the admin token has changed.',
};

export class ConsoleSessions {
  private readonly callers: CallerCache;
  readonly adminProof: string;

  constructor(private readonly ctx: HttpContext) {
    this.callers = new CallerCache(ctx.auth.remembers ? ctx.config.authCacheMs : 0);
    ctx.auth.onForget(() => this.callers.clear());
    this.adminProof = digest(ctx.adminToken);
  }

  get services() {
    return this.ctx.services;
  }

  /** Forgets remembered credentials in this process at once (after a revocation made here). */
  forget(): void {
    this.ctx.auth.forget();
  }

  /** The signed-in state of a request, or why there is none (a message, or null when there never was a session). */
  async load(request: FastifyRequest): Promise<SignedIn | { ended: string | null }> {
    const id = request.cookies[SESSION_COOKIE];
    if (!id || id.length > 100) return { ended: null };
    const session = await this.services.consoleSessions.resume(id);
    if (!session) return { ended: 'Your session has ended; please sign in again.' };
    if (session.kind === 'operator') {
      if (!sameText(session.proof, this.adminProof)) {
        await this.services.consoleSessions.end(session);
        return { ended: ENDED.admin };
      }
      return { session, caller: null, signedIn: null };
    }
    let verified = this.callers.get(session.id_hash);
    if (!verified) {
      const result = await this.services.consoleSessions.recheck(session);
      if (typeof result === 'string') return { ended: ENDED[result] };
      verified = result;
      this.callers.set(session.id_hash, verified);
    }
    return { session, caller: await this.acting(session, verified.caller), signedIn: verified.caller };
  }

  /** A master with its own credentials may act as one of its active subaccounts. */
  private async acting(session: ConsoleSession, caller: Caller): Promise<Caller> {
    const chosen = session.acting_account_sid;
    if (!chosen || chosen === caller.account.sid || !isMaster(caller.account) || !hasMasterCredentials(caller) || caller.keySid !== null) return caller;
    try {
      const account = await this.services.accounts.fetch(caller, chosen);
      if (account.status === 'active') return { account, credentialAccount: caller.credentialAccount, keySid: null };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
    }
    await this.services.consoleSessions.actAs(session, null);
    return caller;
  }

  /** The session cookie: HttpOnly, SameSite=Strict, Secure when the console is reached over HTTPS. */
  setCookie(reply: FastifyReply, request: FastifyRequest, name: string, value: string, maxAgeSeconds: number | undefined): void {
    const secure = this.secure(request);
    reply.setCookie(name, value, { path: '/console', httpOnly: true, sameSite: 'strict', secure, maxAge: maxAgeSeconds });
  }

  clearCookie(reply: FastifyReply, request: FastifyRequest, name: string): void {
    reply.clearCookie(name, { path: '/console', httpOnly: true, sameSite: 'strict', secure: this.secure(request) });
  }

  private secure(request: FastifyRequest): boolean {
    return this.ctx.config.publicUrl?.startsWith('https://') ?? request.protocol === 'https';
  }
}
