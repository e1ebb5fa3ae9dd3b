import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { VERSION } from '../lib/version.js';
import { ADMIN_SUMMARIES } from '../admin/descriptions.js';

// /openapi.json describes Wisp's own surfaces (the admin API), collected from the routes as they
// are registered; /docs shows it. The Twilio surfaces are described by Twilio's own documents,
// served under /openapi/twilio (openapi.ts). Register this before the routes.

const OWN = /^\/(admin|wisp)\//;

export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      info: { title: 'Wisp admin API', version: VERSION, description: 'The operator\'s JSON API of Wisp. The Twilio APIs are described at /openapi/twilio.' },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'WISP_ADMIN_TOKEN' } } },
      security: [{ adminToken: [] }],
    },
    transform: ({ schema, url, route }) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      const summary = ADMIN_SUMMARIES[`${methods[0]} ${url}`];
      return { schema: { ...schema, hide: !OWN.test(url), ...(summary ? { summary } : {}) }, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
