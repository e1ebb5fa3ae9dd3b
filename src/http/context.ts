import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../domain/services.js';
import type { BasicAuth } from './auth.js';
import type { FaultReporter } from './faults.js';

export interface HttpContext {
  config: Config;
  services: Services;
  auth: BasicAuth;
  adminToken: string;
  faults: FaultReporter;
}

/** The origin that absolute `url`s and links are built on. */
export function baseUrl(ctx: HttpContext, request: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

/** The client's IP address as recorded in Monitor events; IPv4-mapped IPv6 reads as plain IPv4. */
export function clientIp(request: FastifyRequest): string | null {
  const ip = request.ip;
  if (!ip) return null;
  return ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice('::ffff:'.length) : ip;
}
