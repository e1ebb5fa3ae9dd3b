import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { connect } from './store/connect.js';
import { kyselyStore } from './store/kysely-store.js';
import type { Account } from './domain/models.js';
import { buildServices, type Services } from './services.js';
import { buildServer } from './http/server.js';
import { seedDemo } from './demo.js';
import { buildEngine, type Engine } from './jobs/engine.js';
import type { RunnerLog } from './jobs/runner.js';

export interface Wisp {
  app: FastifyInstance;
  services: Services;
  /** The lifecycle engine: emulated clock, operator, job runner and background worker. */
  engine: Engine;
  master: Account;
  masterCreated: boolean;
  adminToken: string;
  adminTokenGenerated: boolean;
  close(): Promise<void>;
}

/** Builds a whole Wisp (store, services, HTTP server) without listening yet. */
export async function createWisp(config: Config, options: { logger?: boolean } = {}): Promise<Wisp> {
  const connection = await connect(config.databaseUrl, {
    poolSize: config.pgPoolSize,
    statementTimeoutMs: config.pgStatementTimeoutMs,
    connectTimeoutMs: config.pgConnectTimeoutMs,
    sqliteCacheMb: config.sqliteCacheMb,
  });
  const store = kyselyStore(connection);
  try {
    // Job logs go to the server's logger once it exists.
    let logTarget: RunnerLog | null = null;
    const log: RunnerLog = { warn: (d, m) => logTarget?.warn(d, m), error: (d, m) => logTarget?.error(d, m) };
    const engine = await buildEngine(store, config.lifecycle, { log });
    const services = buildServices(store, engine.clock);
    services.sims.onWork = () => engine.worker.poke();
    const given = config.accountSid && config.authToken ? { sid: config.accountSid, authToken: config.authToken } : null;
    const { account: master, created } = await services.accounts.ensureMaster(given);
    if (created && config.demo) {
      await seedDemo(services, master, async () => {
        await engine.runner.runDue(config.lifecycle.clockRunTimeoutMs);
      });
    }
    const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
    const app = await buildServer({ config, services, engine, adminToken, logger: options.logger });
    logTarget = app.log;
    engine.runner.startHeartbeat();
    if (config.role !== 'api') {
      engine.worker.start();
      engine.pruner.start();
    }
    return {
      app,
      services,
      engine,
      master,
      masterCreated: created,
      adminToken,
      adminTokenGenerated: config.adminToken === null,
      /** Stops taking requests, lets the jobs in hand finish (at most WISP_DRAIN_TIMEOUT_MS), then closes the store. */
      async close() {
        await app.close();
        const drained = await Promise.race([
          engine.worker.stop().then(() => true),
          new Promise<boolean>((resolve) => setTimeout(resolve, config.lifecycle.drainTimeoutMs, false).unref()),
        ]);
        if (!drained) app.log.warn('jobs still running at shutdown; their leases expire and another process resumes them');
        engine.runner.stopHeartbeat();
        await engine.pruner.stop();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
