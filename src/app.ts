import { randomBytes } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { connect, StoreStartError } from './store/connect.js';
import { resealSecrets } from './store/secrets.js';
import { SecretBox, SecretKeyError } from './lib/secret-box.js';
import { kyselyStore, type WispStore } from './store/kysely-store.js';
import { faultOf } from './store/faults.js';
import { LogThrottle } from './lib/log-throttle.js';
import type { Account } from './domain/models.js';
import type { Services } from './domain/services.js';
import { SharedClock, systemClock } from './domain/clock.js';
import { AccountService } from './domain/accounts/accounts.js';
import { KeyService } from './domain/accounts/keys.js';
import { CredentialService } from './domain/accounts/credentials.js';
import { ConsoleSessionService } from './domain/accounts/console-sessions.js';
import { RatePlanService } from './domain/rate-plans.js';
import { SimService } from './domain/sims/service.js';
import { EventService } from './domain/events.js';
import { COMMAND_RETENTION_MS, CommandService } from './domain/devices/commands.js';
import { DataSessionService } from './domain/devices/data-sessions.js';
import { DeviceService } from './domain/devices/device.js';
import { UsageService } from './domain/devices/usage-records.js';
import { InventoryService } from './domain/inventory.js';
import { NetworkService } from './domain/network.js';
import { CallbackLog, JobLog, TimeService } from './domain/operations.js';
import { BATCH_KINDS, CALLBACK_KINDS, OPERATOR_KINDS, TIMER_KINDS, type WispTasks } from './domain/tasks.js';
import { JobRunner, Pruner, Worker, type AnyJob, type EngineLog, type RunObserver, type SlotGroup } from './engine/index.js';
import { WispMetrics } from './metrics.js';
import type { Server } from 'node:http';
import type { Operator } from './network/operator.js';
import { SimulatedOperator } from './network/simulator.js';
import { policyConnector, systemResolver, type Resolver } from './network/outbound-policy.js';
import { wispHandlers } from './jobs/index.js';
import { buildServer } from './http/server.js';
import { FaultReporter } from './http/faults.js';
import { seedDemo } from './demo.js';
import { StateService } from './domain/state.js';
import { applySeed } from './domain/seed-apply.js';
import { checkSeed, type Seed } from './domain/seed.js';
import { BatchService } from './domain/batches/service.js';
import { loadSeedFile } from './seed-file.js';

// The one composition root: the store, the job engine, the domain services and the HTTP
// server are built and wired here, and nowhere else.

/** The job engine of one process: its runner, the background worker and retention. */
export interface Engine {
  clock: SharedClock;
  operator: Operator;
  runner: JobRunner<WispTasks, WispStore>;
  worker: Worker<AnyJob<WispTasks>>;
  /** Deletes finished jobs and delivered callbacks past their retention. */
  pruner: Pruner;
}

export interface Wisp {
  app: FastifyInstance;
  store: WispStore;
  services: Services;
  engine: Engine;
  master: Account;
  masterCreated: boolean;
  adminToken: string;
  adminTokenGenerated: boolean;
  metrics: WispMetrics;
  /** The listener of WISP_METRICS_PORT, when set. */
  metricsServer: Server | null;
  /** How auth tokens are kept at rest: the id of WISP_SECRET_KEY (null: plain), and what start sealed again. */
  secrets: { keyId: string | null; resealed: { accounts: number; snapshots: number } };
  close(): Promise<void>;
}

export interface WispOptions {
  logger?: boolean;
  /** The upstream operator; the simulation (network settings in the database) by default. */
  operator?: Operator;
  /** Resolves the host names of callback URLs; the system's DNS by default (a stub in tests). */
  resolver?: Resolver;
  /** Loaded into an empty database instead of the demo fleet: a seed, or the path of a seed file (JSON or YAML). Overrides WISP_SEED. */
  seed?: Seed | string;
}

function buildEngine(store: WispStore, clock: SharedClock, config: Config, operator: Operator, resolver: Resolver, log: EngineLog, observe: RunObserver): Engine {
  const settings = config.lifecycle;
  const callbackConnect = policyConnector(config.callbackNetworks, resolver, settings.callbackTimeoutMs);
  // Operator work, timers and callbacks have slots of their own; callbacks are shared out by
  // account, so one account's slow receivers cannot delay another's.
  const groups: SlotGroup[] = [
    // A batch's operator requests carry its account's fairness key (src/domain/batches): at most
    // WISP_BATCH_OPERATOR_PER_ACCOUNT of them run at once, and single changes keep the rest.
    { name: 'operator', kinds: OPERATOR_KINDS, concurrency: settings.concurrency, perKeyLimit: Math.min(settings.batchOperatorPerAccount, settings.concurrency) },
    { name: 'timers', kinds: TIMER_KINDS, concurrency: settings.timerConcurrency },
    { name: 'callbacks', kinds: CALLBACK_KINDS, concurrency: settings.callbackConcurrency, perKeyLimit: Math.min(settings.callbackPerAccount, settings.callbackConcurrency) },
    { name: 'batches', kinds: BATCH_KINDS, concurrency: settings.batchConcurrency, perKeyLimit: 1 },
  ];
  const runner = new JobRunner<WispTasks, WispStore>(store, clock, wispHandlers(operator, { ...settings, callbackConnect }), { ...settings, groups }, log, observe);
  const worker = new Worker(runner, { pollMs: settings.pollMs, concurrency: settings.concurrency }, log, () => clock.refresh());
  // A job committed in this process is leased at once, not at the next poll.
  store.jobsCommitted.subscribe(() => worker.poke());
  const pruner = new Pruner(
    [
      { name: 'jobs', prune: (before, limit) => store.jobs.pruneFinished(before, limit) },
      { name: 'callbacks', prune: (before, limit) => store.callbacks.pruneDelivered(before, limit) },
      // Dead work is what an operator looks into: kept longer, by a setting of its own.
      { name: 'deadJobs', retentionMs: settings.deadRetentionMs, prune: (before, limit) => store.jobs.pruneDead(before, limit) },
      { name: 'deadCallbacks', retentionMs: settings.deadRetentionMs, prune: (before, limit) => store.callbacks.pruneDead(before, limit) },
      // Twilio keeps a Command 30 days, whatever WISP_JOB_RETENTION_HOURS says.
      { name: 'commands', retentionMs: COMMAND_RETENTION_MS, prune: (before, limit) => store.commands.pruneCreatedBefore(before, limit) },
      { name: 'batches', retentionMs: settings.batchRetentionMs, prune: (before, limit) => store.simBatches.pruneFinishedBefore(before, limit) },
    ],
    clock,
    settings.retentionMs,
    log,
  );
  return { clock, operator, runner, worker, pruner };
}

/** Each service gets the store typed down to the repositories it uses; `master` is known once the store is ready. */
function buildServices(store: WispStore, engine: Engine, config: Config, master: () => Account): Services {
  const { clock } = engine;
  const clockRunTimeoutMs = config.lifecycle.clockRunTimeoutMs;
  // While the state is replaced (reset, restore) this process runs no jobs.
  const work = {
    pause: () => engine.worker.stop(),
    resume: () => {
      if (config.role !== 'api') engine.worker.start();
    },
  };
  const accounts = new AccountService(store, clock);
  const ratePlans = new RatePlanService(store, clock);
  const sims = new SimService(store, clock, ratePlans);
  const credentials = new CredentialService(store);
  const services: Services = {
    credentials,
    consoleSessions: new ConsoleSessionService(store, credentials, systemClock, config.console.sessions),
    accounts,
    keys: new KeyService(store, clock, accounts),
    ratePlans,
    sims,
    batches: new BatchService(store, clock, ratePlans),
    events: new EventService(store),
    commands: new CommandService(store, clock, sims),
    dataSessions: new DataSessionService(store, clock, sims),
    devices: new DeviceService(store, clock),
    usage: new UsageService(store, clock, sims),
    inventory: new InventoryService(store, clock),
    network: new NetworkService(store, clock),
    callbackLog: new CallbackLog(store, clock),
    jobLog: new JobLog(store, clock),
    time: new TimeService(clock, async () => {
      const outcome = await engine.runner.runDue(clockRunTimeoutMs);
      // Retries that fell due meanwhile are the worker's.
      engine.worker.poke();
      return outcome;
    }),
    state: new StateService(store, clock, () => master().sid, config.lifecycle.initialLatencyMs, work),
    seed: (seed) => applySeed(store, clock, master(), seed),
    ping: () => store.ping(),
  };
  return services;
}

/** Builds a whole Wisp (store, engine, services, HTTP server) without listening yet. */
export async function createWisp(config: Config, options: WispOptions = {}): Promise<Wisp> {
  let countDatabaseError = () => {};
  const connection = await connect(config.databaseUrl, {
    poolSize: config.pgPoolSize,
    statementTimeoutMs: config.pgStatementTimeoutMs,
    connectTimeoutMs: config.pgConnectTimeoutMs,
    sqliteCacheMb: config.sqliteCacheMb,
    onConnectionError: () => countDatabaseError(),
  });
  const secrets = new SecretBox(config.secretKey, config.previousSecretKeys);
  const store = kyselyStore(connection, secrets);
  let metricsServer: Server | null = null;
  try {
    const resealed = await resealSecrets(connection.db, secrets).catch((error: unknown) => {
      throw error instanceof SecretKeyError ? new StoreStartError(`cannot read the auth tokens in the database: ${error.message}`) : error;
    });
    const clock = new SharedClock(store.clock);
    await clock.refresh(true);
    await store.network.ensure({ available: true, latency_ms: config.lifecycle.initialLatencyMs, failure_rate: 0, date_updated: clock.now() });
    // Job logs go to the server's logger once it exists.
    let logTarget: FastifyBaseLogger | null = null;
    // A fault of the database itself (down, its disk full, read-only) is one line per interval,
    // naming the cause and the setting, whoever meets it: a request or the worker. Other
    // identical lines (a failing job retried) are logged once per interval, with the error's
    // message, never its stack.
    const faults = new FaultReporter(faultOf);
    const throttle = new LogThrottle();
    const line = (level: 'warn' | 'error') => (details: object, message: string) => {
      if (!logTarget) return;
      const { err, ...rest } = details as { err?: unknown };
      if (err !== undefined && faults.fault(err, logTarget)) return;
      const reason = err === undefined ? {} : { err: err instanceof Error ? err.message || err.name : String(err) };
      const seen = throttle.take(`${level}|${message}|${reason.err}`);
      if (seen) logTarget[level]({ ...rest, ...reason, ...(seen.suppressed > 0 ? { suppressed: seen.suppressed } : {}) }, message);
    };
    const log: EngineLog = { warn: line('warn'), error: line('error') };
    const metrics = new WispMetrics({ jobStats: () => store.jobs.stats(clock.now()), now: () => clock.now(), poolStats: connection.poolStats });
    countDatabaseError = () => metrics.databaseErrors.inc();
    const engine = buildEngine(store, clock, config, options.operator ?? new SimulatedOperator(store.network), options.resolver ?? systemResolver, log, metrics.observeJob);
    let masterAccount: Account | null = null;
    const services = buildServices(store, engine, config, () => {
      if (!masterAccount) throw new Error('the master account is not ready yet');
      return masterAccount;
    });

    const given = config.accountSid && config.authToken ? { sid: config.accountSid, authToken: config.authToken } : null;
    const { account: master, created } = await services.accounts.ensureMaster(given);
    masterAccount = master;
    const seed = options.seed ?? config.seed;
    if (created && seed !== null) {
      await services.seed(typeof seed === 'string' ? loadSeedFile(seed) : checkSeed(seed));
    } else if (created && config.demo) {
      await seedDemo(services, master, async () => {
        await engine.runner.runDue(config.lifecycle.clockRunTimeoutMs);
      });
    }
    const adminToken = config.adminToken ?? randomBytes(24).toString('base64url');
    const app = await buildServer({ config, services, adminToken, faults, metrics, logger: options.logger });
    if (config.metricsPort !== null) metricsServer = await metrics.listen(config.metricsPort, config.host);
    logTarget = app.log;
    engine.runner.startHeartbeat();
    if (config.role !== 'api') {
      engine.worker.start();
      engine.pruner.start();
    }
    return {
      app,
      store,
      services,
      engine,
      master,
      masterCreated: created,
      adminToken,
      adminTokenGenerated: config.adminToken === null,
      /** Stops taking requests, lets the jobs in hand finish (at most WISP_DRAIN_TIMEOUT_MS), then closes the store. */
      metrics,
      metricsServer,
      secrets: { keyId: secrets.currentKeyId, resealed },
      async close() {
        if (metricsServer) await new Promise((resolve) => metricsServer?.close(resolve));
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
    metricsServer?.close();
    await store.close();
    throw error;
  }
}
