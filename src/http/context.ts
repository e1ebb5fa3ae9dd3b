import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../domain/services.js';
import type { BasicAuth } from './auth.js';
import type { LoginThrottle } from './throttle.js';
import type { FaultReporter } from './faults.js';

export interface HttpContext {
  config: Config;
  services: Services;
  auth: BasicAuth;
  adminToken: string;
  /** Host names that links may follow (see baseUrl). */
  allowedHosts: Set<string>;
  /** Failed admin tokens, per client address. */
  adminThrottle: LoginThrottle;
  faults: FaultReporter;
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/** The Host names links may be built on when WISP_PUBLIC_URL is unset: WISP_ALLOWED_HOSTS, or loopback and the listen address. */
export function allowedHosts(config: Config): Set<string> {
  if (config.allowedHosts) return new Set(config.allowedHosts);
  const listen = config.host.includes(':') ? `[${config.host}]` : config.host;
  return new Set([...LOOPBACK_NAMES, listen.toLowerCase()]);
}

const HOST = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/i;

/**
 * The origin that absolute `url`s and links are built on: WISP_PUBLIC_URL, else the request's
 * Host when it names an allowed host, else the address the request came in on. A Host header
 * is the client's to choose, so an unknown one is never reflected (the SDK follows
 * next_page_url with its credentials).
 */
export function baseUrl(ctx: HttpContext, request: FastifyRequest): string {
  if (ctx.config.publicUrl) return ctx.config.publicUrl;
  const host = request.headers.host;
  const match = host ? HOST.exec(host) : null;
  const socket = request.socket;
  // By default the port must be the one the request came in on; listed hosts may name any.
  const portAllowed = (port: string | undefined) => port === undefined || ctx.config.allowedHosts !== null || port === `:${socket.localPort}`;
  if (match && ctx.allowedHosts.has(match[1].toLowerCase()) && portAllowed(match[2])) return `${request.protocol}://${host!.toLowerCase()}`;
  const local = socket.localAddress ?? '127.0.0.1';
  const address = local.startsWith('::ffff:') && local.includes('.') ? local.slice('::ffff:'.length) : local;
  return `${request.protocol}://${address.includes(':') ? `[${address}]` : address}:${socket.localPort}`;
}

/** The client's IP address as recorded in Monitor events; IPv4-mapped IPv6 reads as plain IPv4. */
export function clientIp(request: FastifyRequest): string | null {
  const ip = request.ip;
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
