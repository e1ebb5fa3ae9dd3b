// Every setting Wisp reads, parsed once from the environment and validated.
// The README lists each variable; keep the two in step.

import { parseOutboundRules, type OutboundRules } from './lib/outbound-rules.js';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  /** PostgreSQL only: connections each process keeps open at most. */
  pgPoolSize: number;
  /** PostgreSQL only: the server cancels any statement running longer than this. */
  pgStatementTimeoutMs: number;
  /** PostgreSQL only: how long to wait for a connection before giving up. */
  pgConnectTimeoutMs: number;
  /** SQLite only: the page cache of the process's connection, in MB. */
  sqliteCacheMb: number;
  publicUrl: string | null;
  /** Host names (lowercase; IPv6 in brackets) whose Host header links may follow; null: loopback and the listen address. */
  allowedHosts: string[] | null;
  accountSid: string | null;
  authToken: string | null;
  adminToken: string | null;
  /** Seals account auth tokens at rest (WISP_SECRET_KEY); null: they are stored plain. */
  secretKey: Buffer | null;
  /** Keys that only open, during a rotation (WISP_SECRET_KEY_PREVIOUS). */
  previousSecretKeys: Buffer[];
  demo: boolean;
  /** A seed file (JSON or YAML) loaded into an empty database instead of the demo fleet. */
  seed: string | null;
  logLevel: string;
  authCacheMs: number;
  /** Failed logins from one address within the window before it is refused (WISP_AUTH_MAX_FAILURES). */
  authMaxFailures: number;
  authFailureWindowMs: number;
  /** Requests one account may have in progress at once; 0: no limit. */
  accountConcurrency: number;
  /** How often each process looks for credentials revoked elsewhere. */
  authWatchMs: number;
  /** Which parts this process runs: the HTTP API, the background job worker, or both. */
  role: WispRole;
  lifecycle: LifecycleConfig;
  /** What the URLs Wisp calls (callbacks, replays) may reach: WISP_CALLBACK_NETWORKS. */
  callbackNetworks: OutboundRules;
  http: HttpLimits;
  /** A port of its own for GET /metrics, without authentication; null: on the main port, behind the admin token. */
  metricsPort: number | null;
  console: ConsoleConfig;
}

/** The web console's settings (WISP_CONSOLE_*). */
export interface ConsoleConfig {
  sessions: {
    /** How long a session lasts at most, however busy. */
    lifetimeMs: number;
    /** A session unused for this long ends. */
    idleMs: number;
  };
  /** Live streams (server-sent events of a SIM page) one process keeps open at once. */
  maxStreams: number;
  /** How often a live stream reads its SIM from the database. */
  livePollMs: number;
}

/** What the HTTP server allows a client (WISP_HTTP_*). */
export interface HttpLimits {
  /** The whole request, headers and body, must arrive within this. */
  requestTimeoutMs: number;
  /** The request's headers must arrive within this. */
  headersTimeoutMs: number;
  /** A connection with no traffic at all is closed after this. */
  idleTimeoutMs: number;
  /** A kept-alive connection waits this long for its next request. */
  keepAliveTimeoutMs: number;
  /** Bytes of a request's headers, all together (the request line among them). */
  maxHeaderBytes: number;
  /** Bytes of a request's URL, path and query string. */
  maxUrlBytes: number;
  /** Bytes of a request body. */
  maxBodyBytes: number;
  /** Connections open at once; more are refused. */
  maxConnections: number;
}

/**
 * The largest valid request is the admin API's inventory import: 10,000 cards of at most a few
 * hundred bytes of JSON each. Twilio's own requests are a few KB.
 */
export const DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

export type WispRole = 'api' | 'worker' | 'all';

/** The lifecycle engine's settings (WISP_WORKER_*, WISP_JOB_*, WISP_CALLBACK_*, WISP_OPERATOR_LATENCY_MS). */
export interface LifecycleConfig {
  /** Operator work (changes, Commands) run at once by a worker. */
  concurrency: number;
  /** Timers run at once by a worker. */
  timerConcurrency: number;
  /** Callback deliveries run at once by a worker, and at most per account across workers. */
  callbackConcurrency: number;
  callbackPerAccount: number;
  pollMs: number;
  leaseMs: number;
  maxAttempts: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  callbackTimeoutMs: number;
  callbackMaxAttempts: number;
  initialLatencyMs: number;
  clockRunTimeoutMs: number;
  drainTimeoutMs: number;
  /** How long finished jobs and delivered callbacks are kept (emulated ms); 0 keeps them forever. */
  retentionMs: number;
  /** How long dead jobs and dead callbacks are kept after they died (emulated ms); 0 keeps them forever. */
  deadRetentionMs: number;
  /** SIMs a batch changes per run, in one transaction (docs/bulk.md). */
  batchChunk: number;
  /** Batch runs a worker runs at once; one account's batches run one chunk at a time across workers. */
  batchConcurrency: number;
  /** Operator requests one account's batches may have running at once, across workers. */
  batchOperatorPerAccount: number;
  /** How long a finished batch and its items are kept (emulated ms); 0 keeps them forever. */
  batchRetentionMs: number;
}

export class ConfigError extends Error {}

/** SQLite's page cache; a fetch that misses it reads the page from the OS (docs/performance.md). */
export const DEFAULT_SQLITE_CACHE_MB = 64;

const ACCOUNT_SID = /^AC[0-9a-f]{32}$/;
const AUTH_TOKEN = /^[0-9a-f]{32}$/;

function intSetting(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return value;
}

/**
 * At least 32 characters, 128 bits by the size of the alphabet they use, and not a few
 * characters repeated: a token a person typed does not pass, a random one does.
 */
function strongEnough(token: string): boolean {
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^a-zA-Z0-9]/];
  const sizes = [26, 26, 10, 33];
  const alphabet = classes.reduce((sum, re, i) => sum + (re.test(token) ? sizes[i] : 0), 0);
  return token.length >= 32 && token.length * Math.log2(alphabet) >= 128 && new Set(token).size >= 10;
}

/**
 * A 256-bit key: 64 hex digits (openssl rand -hex 32) or its 32 bytes in base64. The message
 * never repeats the value: it is a secret, and error messages end in logs.
 */
function secretKey(name: string, raw: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64') : null;
  if (!key || key.length !== 32) throw new ConfigError(`${name} must be a 256-bit key: 64 hex digits (openssl rand -hex 32) or 32 bytes in base64`);
  return key;
}

function secretKeys(env: NodeJS.ProcessEnv): { secretKey: Buffer | null; previousSecretKeys: Buffer[] } {
  const current = optional(env, 'WISP_SECRET_KEY');
  const previous = (optional(env, 'WISP_SECRET_KEY_PREVIOUS') ?? '').split(/[\s,]+/).filter(Boolean);
  return {
    secretKey: current === null ? null : secretKey('WISP_SECRET_KEY', current),
    previousSecretKeys: previous.map((raw, i) => secretKey(`WISP_SECRET_KEY_PREVIOUS (key ${i + 1})`, raw)),
  };
}

function optional(env: NodeJS.ProcessEnv, name: string): string | null {
  const raw = env[name];
  return raw === undefined || raw === '' ? null : raw;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const accountSid = optional(env, 'WISP_ACCOUNT_SID');
  const authToken = optional(env, 'WISP_AUTH_TOKEN');
  if (accountSid && !ACCOUNT_SID.test(accountSid)) {
    throw new ConfigError('WISP_ACCOUNT_SID must be "AC" followed by 32 lowercase hex digits');
  }
  if (authToken && !AUTH_TOKEN.test(authToken)) {
    throw new ConfigError('WISP_AUTH_TOKEN must be 32 lowercase hex digits');
  }
  if ((accountSid === null) !== (authToken === null)) {
    throw new ConfigError('WISP_ACCOUNT_SID and WISP_AUTH_TOKEN must be set together');
  }
  const adminToken = optional(env, 'WISP_ADMIN_TOKEN');
  if (adminToken !== null && !strongEnough(adminToken)) {
    throw new ConfigError('WISP_ADMIN_TOKEN is too weak: it needs at least 128 bits of entropy, e.g. 32 random characters (openssl rand -hex 32)');
  }
  const publicUrl = optional(env, 'WISP_PUBLIC_URL');
  if (publicUrl !== null && !/^https?:\/\/[^/]+$/.test(publicUrl.replace(/\/$/, ''))) {
    throw new ConfigError('WISP_PUBLIC_URL must be an origin such as https://wisp.example.com');
  }
  const databaseUrl = optional(env, 'DATABASE_URL') ?? 'sqlite:./data/wisp.db';
  if (!/^(sqlite:|postgres:\/\/|postgresql:\/\/)/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with sqlite: or postgres://');
  }
  return {
    port: intSetting(env, 'PORT', 4000, 0, 65535),
    host: optional(env, 'HOST') ?? '127.0.0.1',
    databaseUrl,
    pgPoolSize: intSetting(env, 'WISP_PG_POOL_SIZE', 10, 1, 1000),
    pgStatementTimeoutMs: intSetting(env, 'WISP_PG_STATEMENT_TIMEOUT_MS', 10_000, 0, 3_600_000),
    pgConnectTimeoutMs: intSetting(env, 'WISP_PG_CONNECT_TIMEOUT_MS', 10_000, 100, 600_000),
    sqliteCacheMb: intSetting(env, 'WISP_SQLITE_CACHE_MB', DEFAULT_SQLITE_CACHE_MB, 1, 65_536),
    publicUrl: publicUrl?.replace(/\/$/, '') ?? null,
    allowedHosts: allowedHostsSetting(env),
    accountSid,
    authToken,
    adminToken,
    ...secretKeys(env),
    demo: env.WISP_DEMO !== '0' && env.WISP_DEMO !== 'false',
    seed: optional(env, 'WISP_SEED'),
    logLevel: optional(env, 'LOG_LEVEL') ?? 'info',
    authCacheMs: intSetting(env, 'WISP_AUTH_CACHE_MS', 2000, 0, 600_000),
    authMaxFailures: intSetting(env, 'WISP_AUTH_MAX_FAILURES', 20, 1, 100_000),
    authFailureWindowMs: intSetting(env, 'WISP_AUTH_FAILURE_WINDOW_S', 900, 1, 86_400) * 1000,
    accountConcurrency: intSetting(env, 'WISP_ACCOUNT_CONCURRENCY', 0, 0, 100_000),
    authWatchMs: intSetting(env, 'WISP_AUTH_WATCH_MS', 50, 10, 60_000),
    role: roleSetting(env),
    lifecycle: lifecycleSettings(env),
    callbackNetworks: callbackNetworks(env),
    http: httpLimits(env),
    metricsPort: optional(env, 'WISP_METRICS_PORT') === null ? null : intSetting(env, 'WISP_METRICS_PORT', 0, 0, 65535),
    console: consoleSettings(env),
  };
}

function consoleSettings(env: NodeJS.ProcessEnv): ConsoleConfig {
  return {
    sessions: {
      lifetimeMs: intSetting(env, 'WISP_CONSOLE_SESSION_HOURS', 12, 1, 720) * 3_600_000,
      idleMs: intSetting(env, 'WISP_CONSOLE_IDLE_MINUTES', 60, 1, 43_200) * 60_000,
    },
    maxStreams: intSetting(env, 'WISP_CONSOLE_MAX_STREAMS', 100, 0, 10_000),
    livePollMs: intSetting(env, 'WISP_CONSOLE_LIVE_POLL_MS', 500, 50, 60_000),
  };
}

/** The emulator's default, `any`: loopback and private networks, never link-local or metadata. */
function callbackNetworks(env: NodeJS.ProcessEnv): OutboundRules {
  try {
    return parseOutboundRules(optional(env, 'WISP_CALLBACK_NETWORKS') ?? 'any');
  } catch (error) {
    throw new ConfigError(`WISP_CALLBACK_NETWORKS ${(error as Error).message}`);
  }
}

function allowedHostsSetting(env: NodeJS.ProcessEnv): string[] | null {
  const raw = optional(env, 'WISP_ALLOWED_HOSTS');
  if (raw === null) return null;
  const hosts = raw.split(/[\s,]+/).filter(Boolean).map((h) => h.toLowerCase());
  for (const host of hosts) {
    if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)$/.test(host)) throw new ConfigError(`WISP_ALLOWED_HOSTS: "${host}" is not a host name (no scheme or port; IPv6 in brackets)`);
  }
  return hosts;
}

function httpLimits(env: NodeJS.ProcessEnv): HttpLimits {
  const limits: HttpLimits = {
    requestTimeoutMs: intSetting(env, 'WISP_HTTP_REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    headersTimeoutMs: intSetting(env, 'WISP_HTTP_HEADERS_TIMEOUT_MS', 10_000, 100, 3_600_000),
    idleTimeoutMs: intSetting(env, 'WISP_HTTP_IDLE_TIMEOUT_MS', 60_000, 100, 3_600_000),
    keepAliveTimeoutMs: intSetting(env, 'WISP_HTTP_KEEP_ALIVE_TIMEOUT_MS', 5_000, 100, 3_600_000),
    maxHeaderBytes: intSetting(env, 'WISP_HTTP_MAX_HEADER_BYTES', 16_384, 1024, 1_048_576),
    maxUrlBytes: intSetting(env, 'WISP_HTTP_MAX_URL_BYTES', 8192, 256, 1_048_576),
    maxBodyBytes: intSetting(env, 'WISP_HTTP_MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES, 1024, 1_073_741_824),
    maxConnections: intSetting(env, 'WISP_HTTP_MAX_CONNECTIONS', 2048, 1, 1_000_000),
  };
  // Node.js requires it: the headers are part of the request.
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) throw new ConfigError('WISP_HTTP_HEADERS_TIMEOUT_MS must not be above WISP_HTTP_REQUEST_TIMEOUT_MS');
  // Node.js counts the request line among the headers: a longer URL could never arrive whole.
  if (limits.maxUrlBytes > limits.maxHeaderBytes) throw new ConfigError('WISP_HTTP_MAX_URL_BYTES must not be above WISP_HTTP_MAX_HEADER_BYTES');
  return limits;
}

function roleSetting(env: NodeJS.ProcessEnv): WispRole {
  const role = optional(env, 'WISP_ROLE') ?? 'all';
  if (role !== 'api' && role !== 'worker' && role !== 'all') throw new ConfigError(`WISP_ROLE must be api, worker or all, got "${role}"`);
  return role;
}

function lifecycleSettings(env: NodeJS.ProcessEnv): LifecycleConfig {
  const settings: LifecycleConfig = {
    concurrency: intSetting(env, 'WISP_WORKER_CONCURRENCY', 64, 1, 256),
    timerConcurrency: intSetting(env, 'WISP_TIMER_CONCURRENCY', 16, 1, 256),
    callbackConcurrency: intSetting(env, 'WISP_CALLBACK_CONCURRENCY', 64, 1, 1024),
    callbackPerAccount: intSetting(env, 'WISP_CALLBACK_PER_ACCOUNT', 8, 1, 1024),
    pollMs: intSetting(env, 'WISP_WORKER_POLL_MS', 250, 5, 60_000),
    leaseMs: intSetting(env, 'WISP_JOB_LEASE_MS', 30_000, 200, 3_600_000),
    maxAttempts: intSetting(env, 'WISP_JOB_MAX_ATTEMPTS', 8, 1, 100),
    backoffBaseMs: intSetting(env, 'WISP_JOB_BACKOFF_BASE_MS', 1000, 1, 3_600_000),
    backoffMaxMs: intSetting(env, 'WISP_JOB_BACKOFF_MAX_MS', 300_000, 1, 86_400_000),
    callbackTimeoutMs: intSetting(env, 'WISP_CALLBACK_TIMEOUT_MS', 10_000, 100, 300_000),
    callbackMaxAttempts: intSetting(env, 'WISP_CALLBACK_MAX_ATTEMPTS', 8, 1, 100),
    initialLatencyMs: intSetting(env, 'WISP_OPERATOR_LATENCY_MS', 200, 0, 60_000),
    clockRunTimeoutMs: intSetting(env, 'WISP_CLOCK_RUN_TIMEOUT_MS', 60_000, 100, 3_600_000),
    drainTimeoutMs: intSetting(env, 'WISP_DRAIN_TIMEOUT_MS', 30_000, 0, 3_600_000),
    retentionMs: intSetting(env, 'WISP_JOB_RETENTION_HOURS', 168, 0, 87_600) * 3_600_000,
    deadRetentionMs: intSetting(env, 'WISP_DEAD_JOB_RETENTION_HOURS', 720, 0, 87_600) * 3_600_000,
    batchChunk: intSetting(env, 'WISP_BATCH_CHUNK', 200, 1, 5000),
    batchConcurrency: intSetting(env, 'WISP_BATCH_CONCURRENCY', 4, 1, 256),
    batchOperatorPerAccount: intSetting(env, 'WISP_BATCH_OPERATOR_PER_ACCOUNT', 32, 1, 1024),
    batchRetentionMs: intSetting(env, 'WISP_BATCH_RETENTION_HOURS', 720, 0, 87_600) * 3_600_000,
  };
  if (settings.backoffMaxMs < settings.backoffBaseMs) throw new ConfigError('WISP_JOB_BACKOFF_MAX_MS must not be below WISP_JOB_BACKOFF_BASE_MS');
  return settings;
}
