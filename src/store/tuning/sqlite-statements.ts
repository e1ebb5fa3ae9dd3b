import type SQLite from 'better-sqlite3';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

// better-sqlite3 as Kysely's SQLite driver sees it, tuned for the hot paths (see
// docs/performance.md): each distinct statement is prepared once, and rows are read as arrays
// and turned into objects by a function made for the statement's columns.

/** Builds `{ col0: r[0], col1: r[1], … }` with an object literal of fixed shape. */
function rowBuilder(columns: string[]): (row: unknown[]) => Record<string, unknown> {
  const body = `return {${columns.map((name, i) => `${JSON.stringify(name)}: r[${i}]`).join(', ')}};`;
  return new Function('r', body) as (row: unknown[]) => Record<string, unknown>;
}

/**
 * better-sqlite3 makes each row object property by property, which costs several times more
 * than the query itself on a page of Sims; its array mode plus a literal is far cheaper.
 */
function fastReader(statement: SQLite.Statement): SqliteStatement {
  if (!statement.reader) return statement;
  let width = -1;
  let build = (row: unknown[]): Record<string, unknown> => ({ row });
  // SQLite prepares a statement again when the schema changes; follow its columns if they do.
  const builderFor = (row: unknown[]) => {
    if (row.length !== width) {
      const columns = statement.columns().map((c) => c.name);
      build = rowBuilder(columns);
      width = columns.length;
    }
    return build;
  };
  statement.raw(true);
  return {
    reader: true,
    all(parameters) {
      const rows = statement.all(parameters) as unknown[][];
      return rows.length === 0 ? rows : rows.map(builderFor(rows[0]));
    },
    run: (parameters) => statement.run(parameters),
    *iterate(parameters) {
      for (const row of statement.iterate(parameters) as IterableIterator<unknown[]>) yield builderFor(row)(row);
    },
  };
}

export function withStatementCache(database: SQLite.Database, size = 2000): SqliteDatabase {
  const cache = new Map<string, { statement: SQLite.Statement; wrapped: SqliteStatement }>();
  return {
    close: () => database.close(),
    prepare(sql: string) {
      const cached = cache.get(sql);
      // A statement still being iterated (a streamed query) cannot run again until it ends.
      if (cached && !cached.statement.busy) return cached.wrapped;
      const statement = database.prepare(sql);
      const wrapped = fastReader(statement);
      if (!cached) {
        if (cache.size >= size) cache.clear();
        cache.set(sql, { statement, wrapped });
      }
      return wrapped;
    },
  };
}
