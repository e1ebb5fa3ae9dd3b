import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { HttpContext } from '../http/context.js';
import { importInventory, MAX_IMPORT_ROWS, type InventoryRow } from '../domain/inventory.js';
import { deviceRoutes } from './devices.js';
import { lifecycleAdminRoutes } from './lifecycle.js';

// The operator's JSON API, behind `Authorization: Bearer $WISP_ADMIN_TOKEN`.

const digest = (value: string) => createHash('sha256').update(value).digest();

function adminError(reply: FastifyReply, status: number, message: string) {
  return reply.code(status).send({ error: message, status });
}

export function adminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const expected = digest(ctx.adminToken);

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
    if (!match || !timingSafeEqual(digest(match[1]), expected)) {
      reply.header('WWW-Authenticate', 'Bearer realm="Wisp admin"');
      return adminError(reply, 401, 'A valid admin token is required: Authorization: Bearer $WISP_ADMIN_TOKEN');
    }
  });

  app.post('/admin/v1/Inventory/Sims', async (request, reply) => {
    const body = request.body as { sims?: unknown } | undefined;
    if (!body || !Array.isArray(body.sims)) return adminError(reply, 400, 'The body must be JSON: {"sims":[{"iccid","registration_code","e_id"?}]}');
    if (body.sims.length > MAX_IMPORT_ROWS) return adminError(reply, 400, `At most ${MAX_IMPORT_ROWS} SIM cards per request`);
    const rows = body.sims.map((row): InventoryRow => (row && typeof row === 'object' ? (row as InventoryRow) : {}));
    const result = await importInventory(ctx.services.store, ctx.services.clock, rows);
    return {
      imported: result.imported.length,
      unchanged: result.unchanged.length,
      rejected: result.rejected,
    };
  });

  deviceRoutes(app, ctx);
  lifecycleAdminRoutes(app, ctx);
}
