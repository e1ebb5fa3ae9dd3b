import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { connect } from './store/connect.js';
import { kyselyStore } from './store/kysely-store.js';
import { systemClock, type Clock } from './domain/clock.js';
import type { Account } from './domain/models.js';
import { buildServices, type Services } from './services.js';
import { buildServer } from './http/server.js';
import { seedDemo } from './demo.js';

export interface Wisp {
  app: FastifyInstance;
  services: Services;
  master: Account;
  masterCreated: boolean;
  adminToken: string;
  adminTokenGenerated: boolean;
  close(): Promise<void>;
}

/** Builds a whole Wisp (store, services, HTTP server) without listening yet. */
export async function createWisp(config: Config, options: { logger?: boolean; clock?: Clock } = {}): Promise<Wisp> {
  const connection = await connect(config.databaseUrl);
  const store = kyselyStore(connection.db, connection.dialect);
  try {
    const services = buildServices(store, options.clock ?? systemClock);
    const given = config.accountSid && config.authToken ? { sid: config.accountSid, authToken: config.authToken } : null;
    const { account: master, created } = await services.accounts.ensureMaster(given);
    if (created && config.demo) await seedDemo(services, master);
    const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
    const app = await buildServer({ config, services, adminToken, logger: options.logger });
    return {
      app,
      services,
      master,
      masterCreated: created,
      adminToken,
      adminTokenGenerated: config.adminToken === null,
      async close() {
        await app.close();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
