import type { FastifyInstance } from 'fastify';
import type { HttpContext } from '../context.js';
import { formOf, str } from '../params.js';
import { readPaging, v2010Paging } from '../paging.js';
import { keyJson } from '../serializers.js';

type KeyParams = { Params: { account: string; sid: string } };

export function keyRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const { keys } = ctx.services;

  app.post<KeyParams>('/2010-04-01/Accounts/:account/Keys.json', async (request, reply) => {
    const key = await keys.create(request.caller, request.params.account, str(formOf(request), 'FriendlyName') ?? null);
    return reply.code(201).send({ ...keyJson(key), secret: key.secret });
  });

  app.get<KeyParams>('/2010-04-01/Accounts/:account/Keys.json', async (request) => {
    const paging = readPaging(formOf(request));
    const page = await keys.list(request.caller, request.params.account, paging.query);
    const path = `/2010-04-01/Accounts/${request.params.account}/Keys.json`;
    return { keys: page.items.map(keyJson), ...v2010Paging(path, {}, paging, page) };
  });

  app.get<KeyParams>('/2010-04-01/Accounts/:account/Keys/:sid.json', async (request) => {
    return keyJson(await keys.fetch(request.caller, request.params.account, request.params.sid));
  });

  app.post<KeyParams>('/2010-04-01/Accounts/:account/Keys/:sid.json', async (request) => {
    const key = await keys.update(request.caller, request.params.account, request.params.sid, str(formOf(request), 'FriendlyName'));
    return keyJson(key);
  });

  app.delete<KeyParams>('/2010-04-01/Accounts/:account/Keys/:sid.json', async (request, reply) => {
    await keys.remove(request.caller, request.params.account, request.params.sid);
    ctx.auth.forget();
    return reply.code(204).send();
  });
}
