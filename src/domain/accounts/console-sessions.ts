import { createHash, randomBytes } from 'node:crypto';
import type { Repos } from '../ports.js';
import type { Clock } from '../clock.js';
import type { AuthFailure, CredentialService, Verified } from './credentials.js';

// Web console sessions, kept in the database so every process shares them. The cookie holds a
// random id; the table holds only its hash, so a copy of the database opens no session. A
// session of an account keeps the stored hash its secret matched (`proof`) and is checked
// against it again: a deleted key, a changed auth token or a suspended account ends it.

export type SessionKind = 'account' | 'operator';

export interface ConsoleSession {
  id_hash: string;
  kind: SessionKind;
  /** The Account SID or API key SID that signed in; null for the operator. */
  user_sid: string | null;
  /** The stored hash the secret matched (for the operator, the hash of the admin token). */
  proof: string;
  /** A master's chosen subaccount; null: the signed-in account itself. */
  acting_account_sid: string | null;
  /** Every form of the session carries it. */
  csrf_token: string;
  date_created: number;
  expires_at: number;
  last_seen_at: number;
}

export interface ConsoleSessionRepo {
  insert(session: ConsoleSession): Promise<void>;
  get(idHash: string): Promise<ConsoleSession | undefined>;
  update(idHash: string, changes: Partial<Pick<ConsoleSession, 'last_seen_at' | 'acting_account_sid'>>): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Deletes up to `limit` sessions past their end or idle since before `idleBefore`; returns how many. */
  deleteExpired(now: number, idleBefore: number, limit: number): Promise<number>;
}

export interface SessionLimits {
  /** How long a session lasts at most. */
  lifetimeMs: number;
  /** A session unused for this long ends. */
  idleMs: number;
}

/** last_seen_at is written at most this often, so reading pages does not write on every request. */
const TOUCH_EVERY_MS = 60_000;

export const sessionHash = (id: string) => createHash('sha256').update(id).digest('hex');

export class ConsoleSessionService {
  constructor(
    private readonly store: Repos<'consoleSessions'>,
    private readonly credentials: CredentialService,
    /** Real time: moving the emulated clock ends no session. */
    private readonly clock: Clock,
    private readonly limits: SessionLimits,
  ) {}

  private async open(kind: SessionKind, userSid: string | null, proof: string): Promise<{ id: string; session: ConsoleSession }> {
    const now = this.clock.now();
    // Sweep a few old sessions on the way in, so the table does not grow without end.
    await this.store.consoleSessions.deleteExpired(now, now - this.limits.idleMs, 100);
    const id = randomBytes(32).toString('base64url');
    const session: ConsoleSession = {
      id_hash: sessionHash(id),
      kind,
      user_sid: userSid,
      proof,
      acting_account_sid: null,
      csrf_token: randomBytes(24).toString('base64url'),
      date_created: now,
      expires_at: now + this.limits.lifetimeMs,
      last_seen_at: now,
    };
    await this.store.consoleSessions.insert(session);
    return { id, session };
  }

  /** Signs an account in with an Account SID and auth token, or an API key SID and secret. */
  async signIn(user: string, secret: string): Promise<({ id: string; session: ConsoleSession } & Verified) | AuthFailure> {
    const verified = await this.credentials.signIn(user, secret);
    if (typeof verified === 'string') return verified;
    return { ...(await this.open('account', user, verified.proof)), ...verified };
  }

  /** Signs the operator in; `tokenProof` is the hash of the admin token, checked by the caller. */
  signInOperator(tokenProof: string): Promise<{ id: string; session: ConsoleSession }> {
    return this.open('operator', null, tokenProof);
  }

  /** The live session of a cookie's id, or null when it ended (signed out, expired, idle). */
  async resume(id: string): Promise<ConsoleSession | null> {
    const session = await this.store.consoleSessions.get(sessionHash(id));
    if (!session) return null;
    const now = this.clock.now();
    if (session.expires_at <= now || session.last_seen_at + this.limits.idleMs <= now) {
      await this.store.consoleSessions.delete(session.id_hash);
      return null;
    }
    if (now - session.last_seen_at >= TOUCH_EVERY_MS) {
      await this.store.consoleSessions.update(session.id_hash, { last_seen_at: now });
      session.last_seen_at = now;
    }
    return session;
  }

  /** Checks an account session's credential again; a failure ends the session. */
  async recheck(session: ConsoleSession): Promise<Verified | AuthFailure> {
    const result = session.user_sid === null ? 'unknown_user' : await this.credentials.recheck(session.user_sid, session.proof);
    if (typeof result === 'string') await this.end(session);
    return result;
  }

  actAs(session: ConsoleSession, accountSid: string | null): Promise<void> {
    return this.store.consoleSessions.update(session.id_hash, { acting_account_sid: accountSid });
  }

  end(session: Pick<ConsoleSession, 'id_hash'>): Promise<void> {
    return this.store.consoleSessions.delete(session.id_hash);
  }
}
