import { Type, type TSchema } from '@sinclair/typebox';
import { Closed, DateTime, Enum, Nullable } from '../http/described.js';
import { ADMIN_ERRORS, type AdminErrorCode } from './errors.js';

// The shapes of the admin API's answers and bodies, for /openapi.json (src/http/described.ts).
// Each names every key its route writes; test/compat/own-api-schemas.test.ts holds them to
// the real answers.

const Count = Type.Integer({ minimum: 0 });

/** Every admin error, from the one catalog (errors.ts). */
export const AdminErrorBody = Type.Object(
  {
    code: Enum(Object.keys(ADMIN_ERRORS) as AdminErrorCode[]),
    error: Type.String({ description: 'What went wrong, naming the field or the rule' }),
    status: Type.Integer(),
    path: Type.Optional(Type.String({ description: 'A refused seed: the path of the bad value, e.g. sims[2].status' })),
    reason: Type.Optional(Type.String({ description: 'network_refused: which rule of the rate plan applied (docs/devices.md)' })),
    error_code: Type.Optional(Type.Integer({ description: 'network_refused: the Twilio error code of the refusal' })),
  },
  { additionalProperties: false, description: "The admin API's error (docs/api.md)" },
);

/** The answers every admin route may give besides its own: bad input, no token, a fault. */
export function withErrors(own: Record<number, TSchema | null>, ...statuses: number[]): Record<number, TSchema | null> {
  const errors: Record<number, TSchema> = {};
  for (const status of [400, 401, 429, 500, 503, ...statuses]) errors[status] = AdminErrorBody;
  return { ...own, ...errors };
}

export const SimSidParams = Closed({ sid: Type.String({ description: 'The Sim SID (DE…)' }) });
export const IdParams = Closed({ id: Type.String({ description: 'A whole number' }) });
export const NameParams = Closed({ name: Type.String({ description: 'The snapshot name' }) });

export const ListQuery = (states: readonly string[], extra: Record<string, TSchema> = {}) =>
  Closed({
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 50 })),
    before: Type.Optional(Type.Integer({ minimum: 1, description: 'Items older than this id (next_before of the previous page)' })),
    sim_sid: Type.Optional(Type.String()),
    state: Type.Optional(Enum(states)),
    ...extra,
  });

export const Clock = Closed({ now: DateTime, offset_ms: Type.Integer({ description: 'Emulated time minus real time' }) });
export const ClockMoved = Closed({
  ...Clock.properties,
  jobs_run: Count,
  finished: Type.Boolean({ description: 'Whether every job that fell due ran before WISP_CLOCK_RUN_TIMEOUT_MS' }),
});
export const ClockMove = Type.Union([Closed({ advance_seconds: Type.Number({ minimum: 0 }) }), Closed({ now: DateTime })]);

const networkFields = {
  available: Type.Boolean(),
  latency_ms: Type.Integer({ minimum: 0, maximum: 60_000 }),
  failure_rate: Type.Number({ minimum: 0, maximum: 1 }),
};
export const Network = Closed({ ...networkFields, date_updated: DateTime });
export const NetworkUpdated = Closed({ ...Network.properties, resumed: Type.Integer({ minimum: 0, description: 'Changes that were waiting for the operator and now run' }) });
export const NetworkChange = Type.Partial(Closed(networkFields));

export const Callback = Closed({
  id: Type.Integer(),
  sim_sid: Type.String(),
  account_sid: Type.String(),
  state: Enum(['pending', 'retrying', 'delivered', 'dead']),
  attempts: Count,
  request: Closed({ method: Type.String(), url: Type.String(), params: Type.Record(Type.String(), Type.String()) }),
  response: Nullable(Closed({ status: Nullable(Type.Integer()), body: Nullable(Type.String()), error: Nullable(Type.String()), duration_ms: Nullable(Type.Number()) })),
  replay_of: Nullable(Type.Integer()),
  date_created: DateTime,
  first_attempt_at: Nullable(DateTime),
  last_attempt_at: Nullable(DateTime),
  next_attempt_at: Nullable(DateTime),
  delivered_at: Nullable(DateTime),
});
export const Callbacks = Closed({ callbacks: Type.Array(Callback), next_before: Nullable(Type.Integer()) });

export const Job = Closed({
  id: Type.Integer(),
  kind: Type.String(),
  sim_sid: Nullable(Type.String()),
  state: Type.String(),
  run_at: DateTime,
  attempts: Count,
  last_error: Nullable(Type.String()),
  payload: Type.Unknown({ description: "The job kind's payload (src/domain/tasks.ts)" }),
  lease_owner: Nullable(Type.String()),
  date_created: DateTime,
  date_updated: DateTime,
});
export const Jobs = Closed({ jobs: Type.Array(Job), next_before: Nullable(Type.Integer()) });

export const InventoryImport = Closed({
  sims: Type.Array(Closed({ iccid: Type.String(), registration_code: Type.String(), e_id: Type.Optional(Type.String()) }), { maxItems: 10_000 }),
});
export const InventoryImported = Closed({
  imported: Count,
  unchanged: Count,
  rejected: Type.Array(Closed({ index: Count, iccid: Type.Unknown({ description: 'The iccid as sent, or null' }), reason: Type.String() })),
});

export const Snapshot = Closed({ name: Type.String(), date_created: DateTime, clock: DateTime, rows: Count });
export const Snapshots = Closed({ snapshots: Type.Array(Snapshot) });
export const SnapshotName = Closed({ name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' }) });
export const ResetDone = Closed({ reset: Type.Literal(true) });
export const SeedLoaded = Closed({ accounts: Count, rate_plans: Count, sim_cards: Count, sims: Count });
export const SeedBody = Type.Object(
  {
    accounts: Type.Optional(Type.Array(Type.Object({ friendlyName: Type.String() }))),
    ratePlans: Type.Optional(Type.Array(Type.Object({ uniqueName: Type.String(), account: Type.Optional(Type.String()) }, { description: 'Every field of POST /v1/RatePlans, in camelCase' }))),
    simCards: Type.Optional(Type.Array(Type.Object({ iccid: Type.String(), registrationCode: Type.String(), eId: Type.Optional(Type.String()) }))),
    sims: Type.Optional(
      Type.Array(
        Type.Object({
          iccid: Type.String(),
          registrationCode: Type.Optional(Type.String()),
          uniqueName: Type.Optional(Type.String()),
          friendlyName: Type.Optional(Type.String()),
          ratePlan: Type.Optional(Type.String()),
          status: Type.Optional(Enum(['new', 'ready', 'active', 'suspended', 'deactivated'])),
          account: Type.Optional(Type.String()),
        }),
      ),
    ),
  },
  { description: 'A seed (docs/testing.md)' },
);
