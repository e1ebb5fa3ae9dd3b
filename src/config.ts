// Every setting Wisp reads, parsed once from the environment and validated.
// The README lists each variable; keep the two in step.

export interface Config {
  port: number;
  host: string;
  databaseUrl: string;
  publicUrl: string | null;
  accountSid: string | null;
  authToken: string | null;
  adminToken: string | null;
  demo: boolean;
  logLevel: string;
  authCacheMs: number;
}

export class ConfigError extends Error {}

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
  if (adminToken !== null && adminToken.length < 16) {
    throw new ConfigError('WISP_ADMIN_TOKEN must be at least 16 characters');
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
    host: optional(env, 'HOST') ?? '0.0.0.0',
    databaseUrl,
    publicUrl: publicUrl?.replace(/\/$/, '') ?? null,
    accountSid,
    authToken,
    adminToken,
    demo: env.WISP_DEMO !== '0' && env.WISP_DEMO !== 'false',
    logLevel: optional(env, 'LOG_LEVEL') ?? 'info',
    authCacheMs: intSetting(env, 'WISP_AUTH_CACHE_MS', 2000, 0, 600_000),
  };
}
