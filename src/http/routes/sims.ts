import type { FastifyInstance } from 'fastify';
import { type HttpContext, baseUrl, clientIp } from '../context.js';
import { type Params, formOf, oneOf, str } from '../params.js';
import { readPaging, v1Meta } from '../paging.js';
import { simJson } from '../serializers.js';
import { checkCallbackUrls } from '../callback-urls.js';
import { SIM_STATUSES, readSimChange } from '../sim-change-params.js';
import { simPageSchema, simSchema } from '../schemas.js';
import type { SimUpdateInput } from '../../domain/sims/service.js';

type ById = { Params: { sid: string } };

// Compiled serializers for the bodies of success; errors keep the default one.
const oneSim = { schema: { response: { 200: simSchema, 201: simSchema } } };
const simPage = { schema: { response: { 200: simPageSchema } } };

function readUpdate(params: Params): SimUpdateInput {
  return { uniqueName: str(params, 'UniqueName'), ...readSimChange(params, 'Callback') };
}

export function simRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { sims } = ctx.services;

  // Registration, in the shape of Super SIM's: a SIM card from the inventory joins the account.
  app.post('/v1/Sims', oneSim, async (request, reply) => {
    const params = formOf(request);
    const sim = await sims.register(request.caller, str(params, 'Iccid', { max: 32 }), str(params, 'RegistrationCode', { max: 64 }));
    return reply.code(201).send(simJson(sim, baseUrl(ctx, request)));
  });

  app.get('/v1/Sims', simPage, async (request) => {
    const base = baseUrl(ctx, request);
    const params = formOf(request);
    const filters = {
      Status: oneOf(params, 'Status', SIM_STATUSES),
      Iccid: str(params, 'Iccid'),
      RatePlan: str(params, 'RatePlan'),
      EId: str(params, 'EId'),
      SimRegistrationCode: str(params, 'SimRegistrationCode'),
    };
    const paging = readPaging(params);
    const page = await sims.list(
      request.caller,
      { status: filters.Status, iccid: filters.Iccid, ratePlan: filters.RatePlan, eId: filters.EId, registrationCode: filters.SimRegistrationCode },
      paging.query,
    );
    return { sims: page.items.map((s) => simJson(s, base)), meta: v1Meta(base, '/v1/Sims', 'sims', filters, paging, page) };
  });

  app.get<ById>('/v1/Sims/:sid', oneSim, async (request) => {
    return simJson(await sims.fetch(request.caller, request.params.sid), baseUrl(ctx, request));
  });

  app.post<ById>('/v1/Sims/:sid', oneSim, async (request) => {
    const update = readUpdate(formOf(request));
    checkCallbackUrls(ctx, { CallbackUrl: update.callbackUrl, CommandsCallbackUrl: update.commandsCallbackUrl });
    const sim = await sims.update(request.caller, request.params.sid, update, clientIp(request));
    return simJson(sim, baseUrl(ctx, request));
  });

  app.delete<ById>('/v1/Sims/:sid', async (request, reply) => {
    await sims.remove(request.caller, request.params.sid);
    return reply.code(204).send();
  });
}
