import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { VERSION } from '../lib/version.js';

// /openapi.json describes Wisp's own surfaces, the admin API and the extensions under /wisp/v1,
// collected from their routes' schemas (described.ts) as the routes are registered; /docs shows
// it. The Twilio surfaces are described by Twilio's own documents, served under /openapi/twilio
// (openapi.ts). Register this before the routes.

const OWN = /^\/(admin|wisp)\//;

export async function registerApiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: "Wisp's own API",
        version: VERSION,
        description: "The operator's JSON API (/admin/v1) and Wisp's extensions (/wisp/v1). The Twilio APIs are described at /openapi/twilio.",
      },
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: 'WISP_ADMIN_TOKEN' },
          twilioBasic: { type: 'http', scheme: 'basic', description: 'An Account SID and its auth token, or an API key SID and its secret' },
        },
      },
    },
    transform: ({ schema, url }) => {
      const own = OWN.test(url);
      // The admin API takes the admin token; an extension, a Twilio account's credentials.
      const security = url.startsWith('/wisp/') ? [{ twilioBasic: [] }] : [{ adminToken: [] }];
      return { schema: { ...schema, hide: !own, ...(own ? { security } : {}) }, url };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
