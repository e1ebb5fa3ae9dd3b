import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.js';
import { formOf, str } from '../params.js';
import { readPaging, v2010Paging } from '../paging.js';
import { accountJson } from '../serializers.js';

export function accountRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { accounts } = ctx.services;

  app.post('/2010-04-01/Accounts.json', async (request, reply) => {
    const account = await accounts.create(request.caller, str(formOf(request), 'FriendlyName') ?? null);
    return reply.code(201).send(accountJson(account));
  });

  app.get('/2010-04-01/Accounts.json', async (request) => {
    const params = formOf(request);
    const filters = { FriendlyName: str(params, 'FriendlyName'), Status: str(params, 'Status') };
    const paging = readPaging(params);
    const page = await accounts.list(request.caller, { friendlyName: filters.FriendlyName, status: filters.Status }, paging.query);
    return { accounts: page.items.map(accountJson), ...v2010Paging('/2010-04-01/Accounts.json', filters, paging, page) };
  });

  app.get<{ Params: { sid: string } }>('/2010-04-01/Accounts/:sid.json', async (request) => {
    return accountJson(await accounts.fetch(request.caller, request.params.sid));
  });

  app.post<{ Params: { sid: string } }>('/2010-04-01/Accounts/:sid.json', async (request) => {
    const params = formOf(request);
    const account = await accounts.update(request.caller, request.params.sid, {
      friendlyName: str(params, 'FriendlyName'),
      status: str(params, 'Status'),
    });
    ctx.auth.forget();
    return accountJson(account);
  });
}
