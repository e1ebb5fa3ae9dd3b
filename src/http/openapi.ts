import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { baseUrl, type HttpContext } from './context.js';
import { sendError } from './errors.js';

// Twilio's OpenAPI documents that Wisp implements (spec/twilio/), served so that Prism,
// Schemathesis or a code generator can be pointed at a running Wisp: every `servers` entry
// names this Wisp instead of twilio.com. No authentication: they are public documents.

const SPEC_DIR = fileURLToPath(new URL('../../spec/twilio/', import.meta.url));

type Json = Record<string, unknown>;

function listDocuments(): string[] {
  try {
    return readdirSync(SPEC_DIR).filter((name) => name.endsWith('.json')).sort();
  } catch {
    return [];
  }
}

/** The document with its servers pointed at `origin`. */
function pointedAt(name: string, origin: string): Json {
  const document = JSON.parse(readFileSync(SPEC_DIR + name, 'utf8')) as Json;
  const servers = [{ url: origin }];
  document.servers = servers;
  for (const item of Object.values((document.paths ?? {}) as Record<string, Json>)) {
    if (item.servers) item.servers = servers;
  }
  return document;
}

export function openapiRoutes(app: FastifyInstance, ctx: HttpContext): void {
  const names = listDocuments();
  const origin = (request: FastifyRequest) => baseUrl(ctx, request);

  app.get('/openapi/twilio', async (request) => ({
    documents: names.map((name) => ({ name: name.replace(/\.json$/, ''), url: `${origin(request)}/openapi/twilio/${name}` })),
  }));

  app.get<{ Params: { name: string } }>('/openapi/twilio/:name', async (request, reply) => {
    const { name } = request.params;
    if (!names.includes(name)) return sendError(reply, 404, 20404, `The requested resource /openapi/twilio/${name} was not found`);
    return reply.type('application/json').send(pointedAt(name, origin(request)));
  });
}
