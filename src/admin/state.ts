import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../http/context.js';
import type { SnapshotMeta } from '../domain/ports.js';
import { checkSeed, formatPath, SeedError } from '../domain/seed.js';
import { AdminError, badBody } from './errors.js';
import { described } from '../http/described.js';
import { NameParams, ResetDone, SeedBody, SeedLoaded, Snapshot, SnapshotName, Snapshots, withErrors } from './schemas.js';

const SCHEMAS = {
  reset: described({ summary: 'Back to an empty database with the master account (credentials kept), the clock at real time', responses: withErrors({ 200: ResetDone }) }),
  snapshots: described({ summary: 'The saved snapshots, oldest first', responses: withErrors({ 200: Snapshots }) }),
  save: described({ summary: 'Save the whole state under a name, replacing a snapshot of that name', body: SnapshotName, responses: withErrors({ 201: Snapshot }) }),
  restore: described({ summary: 'Bring back a saved state, clock and network included', params: NameParams, responses: withErrors({ 200: Snapshot }, 404) }),
  remove: described({ summary: 'Delete a snapshot', params: NameParams, responses: withErrors({ 204: null }, 404) }),
  seed: described({
    summary: 'Load a seed (accounts, ratePlans, simCards, sims), all or nothing',
    description: 'A refusal is a 400 whose path names the bad value (docs/testing.md).',
    body: SeedBody,
    responses: withErrors({ 201: SeedLoaded }),
  }),
};

// Test state: reset, named snapshots, seeds.

const iso = (ms: number) => new Date(ms).toISOString();
const snapshotJson = (s: SnapshotMeta) => ({ name: s.name, date_created: iso(s.date_created), clock: iso(s.clock_ms), rows: s.rows });

export function stateAdminRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { state } = ctx.services;

  app.post('/admin/v1/Reset', { schema: SCHEMAS.reset }, async () => {
    await state.reset();
    // Subaccounts and keys are gone: no cached credential may outlive them.
    ctx.auth.forget();
    return { reset: true };
  });

  app.get('/admin/v1/Snapshots', { schema: SCHEMAS.snapshots }, async () => ({ snapshots: (await state.list()).map(snapshotJson) }));

  app.post('/admin/v1/Snapshots', { schema: SCHEMAS.save }, async (request, reply) => {
    const body = request.body as { name?: unknown } | undefined;
    if (!body || typeof body !== 'object' || body.name === undefined) throw badBody('The body must be JSON: {"name":"before-test"}');
    return reply.code(201).send(snapshotJson(await state.save(body.name as string)));
  });

  app.post<{ Params: { name: string } }>('/admin/v1/Snapshots/:name/Restore', { schema: SCHEMAS.restore }, async (request) => {
    const restored = await state.restore(request.params.name);
    ctx.auth.forget();
    return snapshotJson(restored);
  });

  app.delete<{ Params: { name: string } }>('/admin/v1/Snapshots/:name', { schema: SCHEMAS.remove }, async (request, reply) => {
    await state.delete(request.params.name);
    return reply.code(204).send();
  });

  app.post('/admin/v1/Seed', { schema: SCHEMAS.seed }, async (request, reply) => {
    try {
      return reply.code(201).send(await ctx.services.seed(checkSeed(request.body)));
    } catch (error) {
      if (error instanceof SeedError) throw new AdminError('invalid_body', error.message, { path: formatPath(error.path) });
      throw error;
    }
  });
}
