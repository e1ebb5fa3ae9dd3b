import type { FastifyInstance } from 'fastify';
import { type HttpContext, baseUrl } from '../context.js';
import { formOf, isoDateTime, str } from '../params.js';
import { readPaging, v1Meta } from '../paging.js';
import { eventJson } from '../serializers.js';

// Monitor v1: the account's audit log, newest first.
export function eventRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { events } = ctx.services;

  app.get('/v1/Events', async (request) => {
    const base = baseUrl(ctx, request);
    const params = formOf(request);
    const filters = {
      ActorSid: str(params, 'ActorSid', { max: 64 }),
      EventType: str(params, 'EventType', { max: 256 }),
      ResourceSid: str(params, 'ResourceSid', { max: 64 }),
      SourceIpAddress: str(params, 'SourceIpAddress', { max: 64 }),
      StartDate: str(params, 'StartDate', { max: 64 }),
      EndDate: str(params, 'EndDate', { max: 64 }),
    };
    const paging = readPaging(params);
    const page = await events.list(
      request.caller,
      {
        actorSid: filters.ActorSid,
        eventType: filters.EventType,
        resourceSid: filters.ResourceSid,
        sourceIpAddress: filters.SourceIpAddress,
        startDate: isoDateTime(params, 'StartDate'),
        endDate: isoDateTime(params, 'EndDate', { inclusiveEnd: true }),
      },
      paging.query,
    );
    return { events: page.items.map((e) => eventJson(e, base)), meta: v1Meta(base, '/v1/Events', 'events', filters, paging, page) };
  });

  app.get<{ Params: { sid: string } }>('/v1/Events/:sid', async (request) => {
    return eventJson(await events.fetch(request.caller, request.params.sid), baseUrl(ctx, request));
  });
}
