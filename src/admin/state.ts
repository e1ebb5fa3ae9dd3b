import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../http/context.js';
import type { SnapshotMeta } from '../domain/ports.js';
import { checkSeed, formatPath, SeedError } from '../domain/seed.js';
import { AdminError, badBody } from './errors.js';

// Test state: reset, named snapshots, seeds.

const iso = (ms: number) => new Date(ms).toISOString();
const snapshotJson = (s: SnapshotMeta) => ({ name: s.name, date_created: iso(s.date_created), clock: iso(s.clock_ms), rows: s.rows });

export function stateAdminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { state } = ctx.services;

  app.post('/admin/v1/Reset', async () => {
    await state.reset();
    // Subaccounts and keys are gone: no cached credential may outlive them.
    ctx.auth.forget();
    return { reset: true };
  });

  app.get('/admin/v1/Snapshots', async () => ({ snapshots: (await state.list()).map(snapshotJson) }));

  app.post('/admin/v1/Snapshots', async (request, reply) => {
    const body = request.body as { name?: unknown } | undefined;
    if (!body || typeof body !== 'object' || body.name === undefined) throw badBody('The body must be JSON: {"name":"before-test"}');
    return reply.code(201).send(snapshotJson(await state.save(body.name as string)));
  });

  app.post<{ Params: { name: string } }>('/admin/v1/Snapshots/:name/Restore', async (request) => {
    const restored = await state.restore(request.params.name);
    ctx.auth.forget();
    return snapshotJson(restored);
  });

  app.delete<{ Params: { name: string } }>('/admin/v1/Snapshots/:name', async (request, reply) => {
    await state.delete(request.params.name);
    return reply.code(204).send();
  });

  app.post('/admin/v1/Seed', async (request, reply) => {
    try {
      return reply.code(201).send(await ctx.services.seed(checkSeed(request.body)));
    } catch (error) {
      if (error instanceof SeedError) throw new AdminError('invalid_body', error.message, { path: formatPath(error.path) });
      throw error;
    }
  });
}
