import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './errors.js';
import { sendEarlyError } from './client-errors.js';

// Twilio answers a method a resource does not support with 405 and code 20004 ("Method not
// allowed"), and a path that names no resource with 404 / 20404. To tell the two apart, the
// server remembers every route it serves as a pattern, by method.

interface Route {
  pattern: RegExp;
  method: string;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/v1/Sims/:sid` -> /^\/v1\/Sims\/[^/]+$/ (a parameter never spans a slash). */
function patternOf(url: string): RegExp {
  const parts = url.split(/(:[A-Za-z]+)/).map((part) => (part.startsWith(':') ? '[^/]+?' : escape(part)));
  return new RegExp(`^${parts.join('')}$`);
}

export class RouteTable {
  private readonly routes: Route[] = [];

  /** Records every route registered on `app` (and its plugins) from now on. */
  watch(app: FastifyInstance): void {
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) this.routes.push({ pattern: patternOf(route.url ?? route.path), method });
    });
  }

  /** The methods served at a concrete path; empty when no resource lives there. */
  allowed(path: string): string[] {
    return [...new Set(this.routes.filter((r) => r.pattern.test(path)).map((r) => r.method))];
  }

  /** The not-found handler: 405 / 20004 where another method is served, else 404 / 20404. */
  notFound = (request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const path = request.url.split('?')[0];
    // The admin API keeps its own catalog; only the Twilio surfaces speak 20004.
    if (path.startsWith('/admin/')) return sendEarlyError(reply, 404, `The admin API has no endpoint ${path}`);
    const allowed = this.allowed(path);
    if (allowed.length > 0) {
      // HEAD answers as GET would, body aside.
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      return sendError(reply.header('Allow', allowed.join(', ')), 405, 20004, `Method not allowed: ${path} does not support ${method}`);
    }
    return sendError(reply, 404, 20404, `The requested resource ${path} was not found`);
  };
}
