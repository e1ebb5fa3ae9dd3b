import type { FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import type { Services } from '../services.js';
import type { BasicAuth } from './auth.js';

export interface HttpContext {
  config: Config;
  services: Services;
  auth: BasicAuth;
  adminToken: string;
}

/** The origin that absolute `url`s and links are built on. */
export function baseUrl(ctx: HttpContext, request: FastifyRequest): string {
  return ctx.config.publicUrl ?? `${request.protocol}://${request.host}`;
}
