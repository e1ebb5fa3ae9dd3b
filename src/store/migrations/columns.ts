import type { ColumnDefinitionBuilder, ColumnDataType } from 'kysely';

// The few column types that differ between the dialects, named once.
export type Dialect = 'sqlite' | 'postgres';

type Build = (c: ColumnDefinitionBuilder) => ColumnDefinitionBuilder;

export function seqColumn(dialect: Dialect): { type: ColumnDataType; build: Build } {
  return dialect === 'postgres'
    ? { type: 'bigserial', build: (c) => c.primaryKey() }
    : { type: 'integer', build: (c) => c.primaryKey().autoIncrement() };
}

/** Epoch milliseconds: past 2^31, so PostgreSQL needs bigint. */
export function timeType(dialect: Dialect): ColumnDataType {
  return dialect === 'postgres' ? 'bigint' : 'integer';
}
