import type { Migration } from 'kysely';
import type { Dialect } from './columns.js';
import * as initial from './001-initial.js';
import * as lifecycle from './002-lifecycle.js';
import * as events from './003-events.js';
import * as devices from './004-devices.js';
import * as jobIndexes from './005-job-indexes.js';
import * as genericJobs from './006-generic-jobs.js';
import * as snapshots from './007-snapshots.js';
import * as jobFairness from './008-job-fairness.js';
import * as credentialVersion from './009-credential-version.js';
import * as leaseIndexes from './010-lease-indexes.js';
import * as consoleTables from './011-console.js';
import * as stateVersion from './012-state-version.js';
import * as sealedSnapshots from './013-sealed-snapshots.js';
import * as loginFailures from './014-login-failures.js';
import * as simBatches from './015-sim-batches.js';

// Versioned migrations, applied in name order at start. Add new ones at the end; never edit one
// that has shipped.
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': { up: initial.up(dialect) },
    '002-lifecycle': { up: lifecycle.up(dialect) },
    '003-events': { up: events.up(dialect) },
    '004-devices': { up: devices.up(dialect) },
    '005-job-indexes': { up: jobIndexes.up() },
    '006-generic-jobs': { up: genericJobs.up() },
    '007-snapshots': { up: snapshots.up(dialect) },
    '008-job-fairness': { up: jobFairness.up() },
    '009-credential-version': { up: credentialVersion.up() },
    '010-lease-indexes': { up: leaseIndexes.up() },
    '011-console': { up: consoleTables.up(dialect) },
    '012-state-version': { up: stateVersion.up() },
    '013-sealed-snapshots': { up: sealedSnapshots.up() },
    '014-login-failures': { up: loginFailures.up(dialect) },
    '015-sim-batches': { up: simBatches.up(dialect) },
  };
}
