import type { Migration } from 'kysely';
import type { Dialect } from './columns.js';
import * as initial from './001-initial.js';

// Versioned migrations, applied in name order at start. Add new ones at the end; never edit one
// that has shipped.
export function migrations(dialect: Dialect): Record<string, Migration> {
  return {
    '001-initial': { up: initial.up(dialect) },
  };
}
