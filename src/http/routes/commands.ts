import type { FastifyInstance } from 'fastify';
import { type HttpContext, baseUrl } from '../context.js';
import { bool, formOf, method, oneOf, str } from '../params.js';
import { readPaging, v1Meta } from '../paging.js';
import { commandJson } from '../device-serializers.js';
import { checkCallbackUrls } from '../callback-urls.js';
import { INCLUDE_SID } from '../../domain/devices/command-payload.js';

type ById = { Params: { sid: string } };

const STATUSES = ['queued', 'sent', 'delivered', 'received', 'failed'] as const;
const DIRECTIONS = ['from_sim', 'to_sim'] as const;
const TRANSPORTS = ['sms', 'ip'] as const;
const MODES = ['text', 'binary'] as const;

export function commandRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const commands = ctx.services.commands;

  app.post('/v1/Commands', async (request, reply) => {
    const params = formOf(request);
    checkCallbackUrls(ctx, { CallbackUrl: str(params, 'CallbackUrl', { max: 4096 }) });
    const command = await commands.create(request.caller, {
      command: str(params, 'Command'),
      sim: str(params, 'Sim'),
      commandMode: oneOf(params, 'CommandMode', MODES),
      includeSid: oneOf(params, 'IncludeSid', INCLUDE_SID),
      callbackUrl: str(params, 'CallbackUrl', { max: 4096 }),
      callbackMethod: method(params, 'CallbackMethod'),
      deliveryReceiptRequested: bool(params, 'DeliveryReceiptRequested'),
    });
    return reply.code(201).send(commandJson(command, baseUrl(ctx, request)));
  });

  app.get('/v1/Commands', async (request) => {
    const base = baseUrl(ctx, request);
    const params = formOf(request);
    const filters = {
      Sim: str(params, 'Sim'),
      Status: oneOf(params, 'Status', STATUSES),
      Direction: oneOf(params, 'Direction', DIRECTIONS),
      Transport: oneOf(params, 'Transport', TRANSPORTS),
    };
    const paging = readPaging(params);
    const page = await commands.list(
      request.caller,
      { sim: filters.Sim, status: filters.Status, direction: filters.Direction, transport: filters.Transport },
      paging.query,
    );
    return { commands: page.items.map((c) => commandJson(c, base)), meta: v1Meta(base, '/v1/Commands', 'commands', filters, paging, page) };
  });

  app.get<ById>('/v1/Commands/:sid', async (request) => {
    return commandJson(await commands.fetch(request.caller, request.params.sid), baseUrl(ctx, request));
  });

  app.delete<ById>('/v1/Commands/:sid', async (request, reply) => {
    await commands.remove(request.caller, request.params.sid);
    return reply.code(204).send();
  });
}
