import type { FastifyInstance } from 'fastify';
import { type HttpContext, baseUrl } from '../context.js';
import { type Params, bool, formOf, int, list, str } from '../params.js';
import { readPaging, v1Meta } from '../paging.js';
import { ratePlanJson } from '../serializers.js';
import type { RatePlanInput } from '../../domain/rate-plans.js';

type ById = { Params: { sid: string } };

const limit = (params: Params, name: string) => int(params, name, { min: 0, max: Number.MAX_SAFE_INTEGER });

function readCreate(params: Params): RatePlanInput {
  return {
    uniqueName: str(params, 'UniqueName'),
    friendlyName: str(params, 'FriendlyName'),
    dataEnabled: bool(params, 'DataEnabled'),
    dataLimit: limit(params, 'DataLimit'),
    dataMetering: str(params, 'DataMetering'),
    dataLimitStrategy: str(params, 'DataLimitStrategy'),
    messagingEnabled: bool(params, 'MessagingEnabled'),
    voiceEnabled: bool(params, 'VoiceEnabled'),
    nationalRoamingEnabled: bool(params, 'NationalRoamingEnabled'),
    nationalRoamingDataLimit: limit(params, 'NationalRoamingDataLimit'),
    internationalRoaming: list(params, 'InternationalRoaming'),
    internationalRoamingDataLimit: limit(params, 'InternationalRoamingDataLimit'),
  };
}

export function ratePlanRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { ratePlans } = ctx.services;

  app.post('/v1/RatePlans', async (request, reply) => {
    const plan = await ratePlans.create(request.caller, readCreate(formOf(request)));
    return reply.code(201).send(ratePlanJson(plan, baseUrl(ctx, request)));
  });

  app.get('/v1/RatePlans', async (request) => {
    const base = baseUrl(ctx, request);
    const paging = readPaging(formOf(request));
    const page = await ratePlans.list(request.caller, paging.query);
    return {
      rate_plans: page.items.map((p) => ratePlanJson(p, base)),
      meta: v1Meta(base, '/v1/RatePlans', 'rate_plans', {}, paging, page),
    };
  });

  app.get<ById>('/v1/RatePlans/:sid', async (request) => {
    return ratePlanJson(await ratePlans.fetch(request.caller, request.params.sid), baseUrl(ctx, request));
  });

  app.post<ById>('/v1/RatePlans/:sid', async (request) => {
    const params = formOf(request);
    const plan = await ratePlans.update(request.caller, request.params.sid, {
      uniqueName: str(params, 'UniqueName'),
      friendlyName: str(params, 'FriendlyName'),
    });
    return ratePlanJson(plan, baseUrl(ctx, request));
  });

  app.delete<ById>('/v1/RatePlans/:sid', async (request, reply) => {
    await ratePlans.remove(request.caller, request.params.sid);
    return reply.code(204).send();
  });
}
