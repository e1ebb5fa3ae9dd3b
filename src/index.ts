// The package's entry point: `import { startWisp } from 'wisp-wireless'`.
export { startWisp, type StartWispOptions, type RunningWisp } from './embed/start.js';
export { WispAdmin, WispAdminError, parseDuration } from './client/admin.js';
export type * from './client/admin.js';
export type { Seed, SeedAccount, SeedRatePlan, SeedSim, SeedSimCard, SeedStatus } from './domain/seed.js';
export { createWisp, type Wisp, type WispOptions } from './app.js';
export { loadConfig, type Config } from './config.js';
