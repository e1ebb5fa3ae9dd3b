import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpContext } from '../http/context.js';
import { MAX_IMPORT_ROWS, type InventoryRow } from '../domain/inventory.js';
import { deviceRoutes } from './devices.js';
import { lifecycleAdminRoutes } from './lifecycle.js';
import { stateAdminRoutes } from './state.js';
import { AdminError, adminErrorHandler, badBody, sendAdminError } from './errors.js';
import { pause } from '../http/throttle.js';
import { described, describeOnly } from '../http/described.js';
import { InventoryImport, InventoryImported, withErrors } from './schemas.js';

// The operator's JSON API, behind `Authorization: Bearer $WISP_ADMIN_TOKEN`; its errors come
// from one catalog (errors.ts).

const digest = (value: string) => createHash('sha256').update(value).digest();

export function adminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const expected = digest(ctx.adminToken);
  describeOnly(app);
  app.setErrorHandler(adminErrorHandler(ctx.faults));

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    // Refused before the token is looked at, so a guess past the limit learns nothing.
    const retryAfter = ctx.adminThrottle.retryAfter(request.ip);
    if (retryAfter !== null) {
      reply.header('Retry-After', String(retryAfter));
      return sendAdminError(reply, new AdminError('too_many_requests', 'Too many wrong admin tokens from this address; try again later'));
    }
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]), expected)) {
      if (match) await pause(await ctx.adminThrottle.fail(request.ip));
      reply.header('WWW-Authenticate', 'Bearer realm="Wisp admin"');
      return sendAdminError(reply, new AdminError('unauthorized', 'A valid admin token is required: Authorization: Bearer $WISP_ADMIN_TOKEN'));
    }
  });

  const importCards = described({ summary: 'Add SIM cards to the inventory', body: InventoryImport, responses: withErrors({ 200: InventoryImported }, 413, 415) });
  app.post('/admin/v1/Inventory/Sims', { schema: importCards }, async (request) => {
    const body = request.body as { sims?: unknown } | undefined;
    if (!body || !Array.isArray(body.sims)) throw badBody('The body must be JSON: {"sims":[{"iccid","registration_code","e_id"?}]}');
    if (body.sims.length > MAX_IMPORT_ROWS) throw badBody(`At most ${MAX_IMPORT_ROWS} SIM cards per request`);
    const rows = body.sims.map((row): InventoryRow => (row && typeof row === 'object' ? (row as InventoryRow) : {}));
    const result = await ctx.services.inventory.import(rows);
    return {
      imported: result.imported.length,
      unchanged: result.unchanged.length,
      rejected: result.rejected,
    };
  });

  deviceRoutes(app, ctx);
  lifecycleAdminRoutes(app, ctx);
  stateAdminRoutes(app, ctx);
}
