import Fastify, { type FastifyInstance } from 'fastify';
import type { Socket } from 'node:net';
import type { Config } from '../config.js';
import type { Services } from '../domain/services.js';
import { BasicAuth } from './auth.js';
import { accountConcurrency } from './concurrency.js';
import { LoginThrottle } from './throttle.js';
import { type HttpContext, allowedHosts } from './context.js';
import { errorHandlerWith } from './errors.js';
import { RouteTable } from './methods.js';
import type { FaultReporter } from './faults.js';
import { guardWire } from './wire-guard.js';
import { clientErrorHandler, frameworkErrors, guardUrl } from './client-errors.js';
import { FORM, formBodiesOnly, readFormBodies } from './form-body.js';
import { accountRoutes } from './routes/accounts.js';
import { keyRoutes } from './routes/keys.js';
import { ratePlanRoutes } from './routes/rate-plans.js';
import { simRoutes } from './routes/sims.js';
import { eventRoutes } from './routes/events.js';
import { commandRoutes } from './routes/commands.js';
import { usageRoutes } from './routes/usage.js';
import { simBatchRoutes } from './routes/sim-batches.js';
import { describeOnly } from './described.js';
import { adminRoutes } from '../admin/routes.js';
import { openapiRoutes } from './openapi.js';
import { registerApiDocs } from './api-docs.js';
import { consoleRoutes } from '../console/plugin.js';

const HEALTH_ROUTES = new Set(['/healthz', '/readyz']);

/** How long /readyz waits for the database. */
const READY_TIMEOUT_MS = 2000;

function withDeadline<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** What the server reports to, and what GET /metrics serves (src/metrics.ts). */
export interface HttpMetrics {
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  render(): Promise<{ contentType: string; body: string }>;
}

export interface ServerOptions {
  config: Config;
  services: Services;
  adminToken: string;
  /** Tells the database's own faults (503) from other errors (500), and logs them once per interval. */
  faults: FaultReporter;
  metrics?: HttpMetrics;
  logger?: boolean;
}

export async function buildServer({ config, services, adminToken, faults, metrics, logger = true }: ServerOptions): Promise<FastifyInstance> {
  // The path of each connection's last request, for errors of its next bytes (client-errors.ts).
  const lastPath = new WeakMap<Socket, string>();
  const app = Fastify({
    logger: logger ? { level: config.logLevel, redact: ['req.headers.authorization'] } : false,
    // The limits of WISP_HTTP_* (config.ts): a client that sends slowly, or too much, is cut off.
    bodyLimit: config.http.maxBodyBytes,
    requestTimeout: config.http.requestTimeoutMs,
    connectionTimeout: config.http.idleTimeoutMs,
    keepAliveTimeout: config.http.keepAliveTimeoutMs,
    http: {
      maxHeaderSize: config.http.maxHeaderBytes,
      headersTimeout: config.http.headersTimeoutMs,
      // How often Node.js looks for requests past their timeout: often enough to honour short ones.
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(config.http.headersTimeoutMs / 4))),
    },
    // Twilio paths are case-sensitive and never end in a slash; keep ours exact too.
    routerOptions: { ignoreTrailingSlash: false },
    // What Node.js's parser and Fastify's router refuse is answered in the surface's own format.
    clientErrorHandler: clientErrorHandler(config.http.maxUrlBytes, lastPath),
    frameworkErrors,
  });
  app.server.maxConnections = config.http.maxConnections;
  const throttle = { maxFailures: config.authMaxFailures, windowMs: config.authFailureWindowMs };
  // Failed logins are counted in the database too, so that every process sharing it refuses a guesser (throttle.ts).
  const auth = new BasicAuth(services.credentials, config.authCacheMs, new LoginThrottle(throttle, services.credentials.failures, 'basic'), config.authWatchMs);
  await auth.watch();
  app.addHook('onClose', async () => auth.stop());
  const ctx: HttpContext = { config, services, auth, adminToken, adminThrottle: new LoginThrottle(throttle, services.credentials.failures, 'admin'), allowedHosts: allowedHosts(config), faults };

  guardUrl(app, config.http.maxUrlBytes, lastPath);
  // The console's forms; the Twilio surfaces read nothing else, the admin API never reads them.
  readFormBodies(app);
  await registerApiDocs(app);
  app.setErrorHandler(errorHandlerWith(faults));
  guardWire(app);
  if (metrics) {
    app.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
  }
  // Emulated time is shared through the database: catch up with other processes' clock moves.
  // Not for the health checks, which must answer (or say why not) whatever the database does.
  app.addHook('onRequest', async (request) => {
    if (HEALTH_ROUTES.has(request.routeOptions.url ?? '')) return;
    await services.time.clock.refresh();
  });
  const routes = new RouteTable();
  routes.watch(app);
  app.setNotFoundHandler(routes.notFound);

  // Liveness: the process answers. It does not look at the database, so that an orchestrator
  // does not restart a process that is merely waiting for the database to come back.
  app.get('/healthz', async (_request, reply) => reply.send({ status: 'ok' }));
  // Readiness: the database answers too. 503 while it cannot be reached.
  app.get('/readyz', async (request, reply) => {
    try {
      await withDeadline(services.ping(), READY_TIMEOUT_MS);
      return await reply.send({ status: 'ok', database: 'ok' });
    } catch (error) {
      const fault = faults.fault(error, request.log);
      return reply.code(503).send({ status: 'unavailable', database: fault?.message ?? (error instanceof Error ? error.message : String(error)) });
    }
  });

  // The Twilio surfaces share HTTP Basic authentication.
  await app.register(async (twilio) => {
    formBodiesOnly(twilio);
    twilio.addHook('onRequest', ctx.auth.hook);
    if (config.accountConcurrency > 0) twilio.addHook('onRequest', accountConcurrency(config.accountConcurrency));
    accountRoutes(twilio, ctx);
    keyRoutes(twilio, ctx);
    ratePlanRoutes(twilio, ctx);
    simRoutes(twilio, ctx);
    eventRoutes(twilio, ctx);
    commandRoutes(twilio, ctx);
    usageRoutes(twilio, ctx);
    // Wisp's own extensions, described in /openapi.json.
    await twilio.register(async (wisp) => {
      describeOnly(wisp);
      simBatchRoutes(wisp, ctx);
    });
  });
  await app.register(async (docs) => openapiRoutes(docs, ctx));
  await app.register(async (web) => consoleRoutes(web, ctx), { prefix: '/console' });
  await app.register(async (admin) => {
    // JSON only: another type is a 415, never read as an empty body.
    admin.removeContentTypeParser(['text/plain', FORM]);
    adminRoutes(admin, ctx);
    // Behind the admin token, unless it has a listener of its own (WISP_METRICS_PORT).
    if (metrics && config.metricsPort === null) {
      admin.get('/metrics', async (_request, reply) => {
        const { contentType, body } = await metrics.render();
        return reply.type(contentType).send(body);
      });
    }
  });
  return app;
}
