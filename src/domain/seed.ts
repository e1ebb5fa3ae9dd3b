import type { RatePlanInput } from './rate-plans.js';

// A seed: the state a test or a demo starts from, in the API's own names in camelCase. Checked
// as a whole before anything is written; an error names the path of the first bad value
// (`sims[2].status`), which the file reader turns into a line number.

export type SeedStatus = 'new' | 'ready' | 'active' | 'suspended' | 'deactivated';
export const SEED_STATUSES: SeedStatus[] = ['new', 'ready', 'active', 'suspended', 'deactivated'];

export interface SeedAccount {
  friendlyName: string;
}

export interface SeedRatePlan extends RatePlanInput {
  uniqueName: string;
  /** The friendlyName of an account in this seed that owns the plan (the master by default); a Sim uses its own account's plans. */
  account?: string;
}

export interface SeedSimCard {
  iccid: string;
  registrationCode: string;
  eId?: string;
}

export interface SeedSim {
  iccid: string;
  /** Generated when the card is not listed in simCards. */
  registrationCode?: string;
  uniqueName?: string;
  friendlyName?: string;
  /** A rate plan's uniqueName (from this seed or already stored). */
  ratePlan?: string;
  status?: SeedStatus;
  /** The friendlyName of an account in this seed: the Sim is moved to it. */
  account?: string;
}

export interface Seed {
  accounts?: SeedAccount[];
  ratePlans?: SeedRatePlan[];
  simCards?: SeedSimCard[];
  sims?: SeedSim[];
}

export type SeedPath = (string | number)[];

export class SeedError extends Error {
  constructor(
    readonly path: SeedPath,
    readonly problem: string,
  ) {
    super(`${formatPath(path)}: ${problem}`);
    this.name = 'SeedError';
  }
}

export function formatPath(path: SeedPath): string {
  return path.reduce<string>((text, part) => (typeof part === 'number' ? `${text}[${part}]` : text ? `${text}.${part}` : part), '') || '(the seed)';
}

type Kind = 'string' | 'number' | 'boolean' | 'string[]';
const SHAPES: Record<string, Record<string, Kind>> = {
  accounts: { friendlyName: 'string' },
  ratePlans: {
    uniqueName: 'string',
    friendlyName: 'string',
    dataEnabled: 'boolean',
    dataLimit: 'number',
    dataMetering: 'string',
    dataLimitStrategy: 'string',
    messagingEnabled: 'boolean',
    voiceEnabled: 'boolean',
    nationalRoamingEnabled: 'boolean',
    nationalRoamingDataLimit: 'number',
    internationalRoaming: 'string[]',
    internationalRoamingDataLimit: 'number',
    account: 'string',
  },
  simCards: { iccid: 'string', registrationCode: 'string', eId: 'string' },
  sims: { iccid: 'string', registrationCode: 'string', uniqueName: 'string', friendlyName: 'string', ratePlan: 'string', status: 'string', account: 'string' },
};
const REQUIRED: Record<string, string[]> = { accounts: ['friendlyName'], ratePlans: ['uniqueName'], simCards: ['iccid', 'registrationCode'], sims: ['iccid'] };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function fits(value: unknown, kind: Kind): boolean {
  if (kind === 'string[]') return Array.isArray(value) && value.every((v) => typeof v === 'string');
  return typeof value === kind;
}

/** The seed, checked for shape and for references within it; throws SeedError. */
export function checkSeed(raw: unknown): Seed {
  if (!isObject(raw)) throw new SeedError([], 'must be an object with accounts, ratePlans, simCards and/or sims');
  for (const key of Object.keys(raw)) if (!(key in SHAPES)) throw new SeedError([key], `unknown section; expected one of ${Object.keys(SHAPES).join(', ')}`);
  for (const [section, shape] of Object.entries(SHAPES)) {
    const list = raw[section];
    if (list === undefined) continue;
    if (!Array.isArray(list)) throw new SeedError([section], 'must be a list');
    list.forEach((item, i) => {
      if (!isObject(item)) throw new SeedError([section, i], 'must be an object');
      for (const [key, value] of Object.entries(item)) {
        const kind = shape[key];
        if (!kind) throw new SeedError([section, i, key], `unknown field; expected one of ${Object.keys(shape).join(', ')}`);
        if (!fits(value, kind)) throw new SeedError([section, i, key], `must be a ${kind === 'string[]' ? 'list of strings' : kind}`);
      }
      for (const key of REQUIRED[section]) if (item[key] === undefined) throw new SeedError([section, i, key], 'is required');
    });
  }
  const seed = raw as Seed;
  checkReferences(seed);
  return seed;
}

function unique<T>(items: T[] | undefined, section: string, key: keyof T & string): Set<unknown> {
  const seen = new Set<unknown>();
  (items ?? []).forEach((item, i) => {
    const value = item[key];
    if (value === undefined) return;
    if (seen.has(value)) throw new SeedError([section, i, key], `"${String(value)}" appears earlier in ${section}`);
    seen.add(value);
  });
  return seen;
}

function checkReferences(seed: Seed): void {
  const accounts = unique(seed.accounts, 'accounts', 'friendlyName');
  unique(seed.ratePlans, 'ratePlans', 'uniqueName');
  (seed.ratePlans ?? []).forEach((plan, i) => {
    if (plan.account !== undefined && !accounts.has(plan.account)) throw new SeedError(['ratePlans', i, 'account'], `names no account of this seed ("${plan.account}")`);
  });
  unique(seed.simCards, 'simCards', 'iccid');
  unique(seed.sims, 'sims', 'iccid');
  unique(seed.sims, 'sims', 'uniqueName');
  (seed.sims ?? []).forEach((sim, i) => {
    if (sim.status !== undefined && !SEED_STATUSES.includes(sim.status)) throw new SeedError(['sims', i, 'status'], `must be one of ${SEED_STATUSES.join(', ')}`);
    if (sim.account !== undefined && !accounts.has(sim.account)) throw new SeedError(['sims', i, 'account'], `names no account of this seed ("${sim.account}")`);
    const needsPlan = sim.status !== undefined && sim.status !== 'new';
    if (needsPlan && sim.ratePlan === undefined) throw new SeedError(['sims', i, 'ratePlan'], `is required for status ${sim.status}`);
  });
}
