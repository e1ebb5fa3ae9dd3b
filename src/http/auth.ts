import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Caller } from '../domain/caller.js';
import type { CredentialService } from '../domain/accounts/credentials.js';
import { sendError } from './errors.js';
import { type LoginThrottle, pause } from './throttle.js';
import { unstorableText } from './wire-guard.js';

declare module 'fastify' {
  interface FastifyRequest {
    caller: Caller;
  }
}

const MAX_CACHED = 10_000;

/**
 * HTTP Basic authentication for the Twilio surfaces. Verified credentials are remembered for a
 * short time (WISP_AUTH_CACHE_MS) so a busy client does not cost two lookups a request; this
 * process forgets them at once when an account or key changes.
 */
export class BasicAuth {
  private readonly cache = new Map<string, { caller: Caller; expires: number }>();
  /** The credential version last read; null while it cannot be read (nothing is remembered then). */
  private version: number | null = null;
  private watcher: NodeJS.Timeout | null = null;
  private readonly forgetListeners: (() => void)[] = [];

  constructor(
    private readonly credentials: CredentialService,
    private readonly ttlMs: number,
    readonly throttle: LoginThrottle,
    private readonly watchMs: number,
  ) {}

  forget(): void {
    this.cache.clear();
    for (const listener of this.forgetListeners) listener();
  }

  /** Called whenever remembered credentials are forgotten (a revocation here or in another process), so other caches follow. */
  onForget(listener: () => void): void {
    this.forgetListeners.push(listener);
  }

  /** Whether credentials may be remembered: revocations are then watched, and onForget fires for them. */
  get remembers(): boolean {
    return this.ttlMs > 0;
  }

  /**
   * Reads the credential version every `watchMs` and forgets everything remembered when it
   * grows: a key deleted or an account suspended in another process holds here within that.
   */
  async watch(): Promise<void> {
    if (this.ttlMs === 0 || this.watcher) return;
    const read = async () => {
      try {
        const version = await this.credentials.version();
        if (version !== this.version) this.forget();
        this.version = version;
      } catch {
        // Unknown: remember nothing until it can be read again.
        this.version = null;
        this.forget();
      }
    };
    await read();
    this.watcher = setInterval(() => void read(), this.watchMs);
    this.watcher.unref();
  }

  stop(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
  }

  // Callback style, so a request whose credentials are cached (nearly all under load) goes on
  // without a promise and a trip through the microtask queue.
  readonly hook = (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
    const header = request.headers.authorization;
    const cached = header ? this.cache.get(header) : undefined;
    if (cached && cached.expires > Date.now()) {
      request.caller = cached.caller;
      return done();
    }
    this.verify(request, reply, header).then(() => done(), done);
  };

  private async verify(request: FastifyRequest, reply: FastifyReply, header: string | undefined): Promise<unknown> {
    const credentials = header ? parseBasic(header) : null;
    // Refused before the credentials are looked at, so a guess past the limit learns nothing.
    const retryAfter = this.throttle.retryAfter(request.ip, credentials?.user);
    if (retryAfter !== null) return tooManyFailures(reply, retryAfter);
    if (!credentials) return unauthorized(reply, 'Authentication is required: use HTTP Basic with an Account SID and auth token, or an API key SID and secret');
    // A user name the database cannot look up is bad input, not a failed login (wire-guard.ts).
    const why = unstorableText(credentials.user) ?? unstorableText(credentials.secret);
    if (why) return sendError(reply, 400, 20001, `Invalid request: the HTTP Basic user name or password ${why}`);
    // Remembered only if no revocation was seen meanwhile.
    const versionBefore = this.version;
    const result = await this.credentials.authenticate(credentials.user, credentials.secret);
    if (result === 'account_inactive') {
      reply.header('WWW-Authenticate', 'Basic realm="Twilio API"');
      return sendError(reply, 401, 20005, 'Account not active');
    }
    if (typeof result === 'string') {
      await pause(await this.throttle.fail(request.ip, credentials.user));
      return unauthorized(reply, 'Authenticate: the username or password is incorrect');
    }
    this.throttle.succeed(credentials.user);
    if (this.ttlMs > 0 && this.version !== null && this.version === versionBefore && header) {
      if (this.cache.size >= MAX_CACHED) this.cache.clear();
      this.cache.set(header, { caller: result, expires: Date.now() + this.ttlMs });
    }
    request.caller = result;
  }
}

/** Twilio's answer to a client that must slow down: 429, code 20429, Retry-After. */
export function tooManyFailures(reply: FastifyReply, retryAfterSeconds: number) {
  reply.header('Retry-After', String(retryAfterSeconds));
  return sendError(reply, 429, 20429, 'Too Many Requests: too many failed logins from this address; try again later');
}

function unauthorized(reply: FastifyReply, message: string) {
  reply.header('WWW-Authenticate', 'Basic realm="Twilio API"');
  return sendError(reply, 401, 20003, message);
}

function parseBasic(header: string): { user: string; secret: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}
