import Fastify, { type FastifyInstance } from 'fastify';
import formbody from '@fastify/formbody';
import type { Config } from '../config.js';
import type { Services } from '../domain/services.js';
import { BasicAuth } from './auth.js';
import { accountConcurrency } from './concurrency.js';
import { LoginThrottle } from './throttle.js';
import { type HttpContext, allowedHosts } from './context.js';
import { errorHandler } from './errors.js';
import { RouteTable } from './methods.js';
import { accountRoutes } from './routes/accounts.js';
import { keyRoutes } from './routes/keys.js';
import { ratePlanRoutes } from './routes/rate-plans.js';
import { simRoutes } from './routes/sims.js';
import { eventRoutes } from './routes/events.js';
import { commandRoutes } from './routes/commands.js';
import { usageRoutes } from './routes/usage.js';
import { adminRoutes } from '../admin/routes.js';
import { openapiRoutes } from './openapi.js';
import { registerApiDocs } from './api-docs.js';

export interface ServerOptions {
  config: Config;
  services: Services;
  adminToken: string;
  logger?: boolean;
}

export async function buildServer({ config, services, adminToken, logger = true }: ServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: logger ? { level: config.logLevel, redact: ['req.headers.authorization'] } : false,
    bodyLimit: 8 * 1024 * 1024,
    // Twilio paths are case-sensitive and never end in a slash; keep ours exact too.
    routerOptions: { ignoreTrailingSlash: false },
  });
  const throttle = { maxFailures: config.authMaxFailures, windowMs: config.authFailureWindowMs };
  const auth = new BasicAuth(services.credentials, config.authCacheMs, new LoginThrottle(throttle));
  const ctx: HttpContext = { config, services, auth, adminToken, adminThrottle: new LoginThrottle(throttle), allowedHosts: allowedHosts(config) };

  await app.register(formbody);
  await registerApiDocs(app);
  app.setErrorHandler(errorHandler);
  // Emulated time is shared through the database: catch up with other processes' clock moves.
  app.addHook('onRequest', async () => {
    await services.time.clock.refresh();
  });
  const routes = new RouteTable();
  routes.watch(app);
  app.setNotFoundHandler(routes.notFound);

  app.get('/healthz', async (_request, reply) => {
    await services.ping();
    return reply.send({ status: 'ok' });
  });

  // The Twilio surfaces share HTTP Basic authentication.
  await app.register(async (twilio) => {
    twilio.addHook('onRequest', ctx.auth.hook);
    if (config.accountConcurrency > 0) twilio.addHook('onRequest', accountConcurrency(config.accountConcurrency));
    accountRoutes(twilio, ctx);
    keyRoutes(twilio, ctx);
    ratePlanRoutes(twilio, ctx);
    simRoutes(twilio, ctx);
    eventRoutes(twilio, ctx);
    commandRoutes(twilio, ctx);
    usageRoutes(twilio, ctx);
  });
  await app.register(async (admin) => adminRoutes(admin, ctx));
  await app.register(async (docs) => openapiRoutes(docs, ctx));
  return app;
}
