import { createQueryId, type Compilable, type CompiledQuery, type Kysely, type QueryResult } from 'kysely';

// Queries compiled once and run many times with new values (docs/performance.md).
//
// Kysely builds and compiles a query's tree on every call (immutable nodes, frozen objects,
// a visitor over the tree); for a fetch by SID that costs as much as running the statement.
// A query made with `compiledQuery` is built once per database, with stand-ins where its values
// go, and each call sends the same SQL with the real values in their places:
//
//   const simBySid = compiledQuery((db: Kysely<Database>, p: { sid: string }) =>
//     db.selectFrom('sims').selectAll().where('sid', '=', p.sid));
//   const row = await simBySid.first(db, { sid });        // or .all(db, …), .run(db, …)
//
// `db` may be the root handle or a transaction: the statement runs on whatever it is given.
// The build function must use each value only as a value handed to Kysely (`where`, `set`,
// `values`, `limit`, …). What changes the SQL's shape (an optional filter, arithmetic on a
// value) cannot be stood in for, and using a stand-in that way throws when the query is first
// compiled. A list for `in` takes one stand-in per item: compile one query per list length
// (repos/sims.ts does, for its coalesced reads).

const STAND_IN = Symbol('compiled query parameter');

interface StandIn {
  readonly [STAND_IN]: string;
}

function standIn(name: string): StandIn {
  return {
    [STAND_IN]: name,
    // Turning a stand-in into a string or number means the builder computed with a value.
    [Symbol.toPrimitive]() {
      throw new Error(`compiledQuery: parameter "${name}" was used in an expression; pass it to Kysely as a value`);
    },
  } as StandIn;
}

const isStandIn = (value: unknown): value is StandIn => typeof value === 'object' && value !== null && STAND_IN in value;

/** Where each bound parameter of the compiled SQL comes from: a named value, or a constant. */
type Slot = { name: string } | { constant: unknown };

interface Template {
  compiled: CompiledQuery;
  slots: Slot[];
}

export interface CompiledStatement<DB, P extends Record<string, unknown>, R> {
  /** Every row. */
  all(db: Kysely<DB>, params: P): Promise<R[]>;
  /** The first row, if any. */
  first(db: Kysely<DB>, params: P): Promise<R | undefined>;
  /** The driver's whole result (rows, affected rows, insert id): for inserts, updates and deletes. */
  run(db: Kysely<DB>, params: P): Promise<QueryResult<R>>;
  /** The SQL and parameters a call would send (tests, logs). */
  compile(db: Kysely<DB>, params: P): CompiledQuery<R>;
}

/**
 * Compiles the query `build` makes once per database dialect (the first time it runs on it) and
 * runs it again with each call's values.
 */
export function compiledQuery<DB, P extends Record<string, unknown>, R>(
  build: (db: Kysely<DB>, params: P) => Compilable<R>,
): CompiledStatement<DB, P, R> {
  // Keyed by the dialect's adapter class: every handle on a database of that dialect (the root,
  // its transactions, a grouped transaction's own handle) compiles the same SQL.
  const templates = new WeakMap<object, Template>();

  function templateFor(db: Kysely<DB>): Template {
    const key = db.getExecutor().adapter.constructor;
    let template = templates.get(key);
    if (!template) {
      template = compileTemplate(db, build);
      templates.set(key, template);
    }
    return template;
  }

  function bind(db: Kysely<DB>, params: P): CompiledQuery<R> {
    const { compiled, slots } = templateFor(db);
    const parameters = slots.map((slot) => ('name' in slot ? params[slot.name] : slot.constant));
    return { sql: compiled.sql, query: compiled.query, parameters, queryId: createQueryId() };
  }

  const run = (db: Kysely<DB>, params: P) => db.executeQuery(bind(db, params));
  return {
    all: async (db, params) => (await run(db, params)).rows,
    first: async (db, params) => (await run(db, params)).rows[0],
    run,
    compile: bind,
  };
}

function compileTemplate<DB, P extends Record<string, unknown>, R>(db: Kysely<DB>, build: (db: Kysely<DB>, params: P) => Compilable<R>): Template {
  const used = new Set<string>();
  const params = new Proxy({} as P, {
    get(_target, name) {
      if (typeof name !== 'string') return undefined;
      used.add(name);
      return standIn(name);
    },
  });
  const compiled = build(db, params).compile();
  const slots: Slot[] = compiled.parameters.map((value) => (isStandIn(value) ? { name: value[STAND_IN] } : { constant: value }));
  const bound = new Set(slots.flatMap((slot) => ('name' in slot ? [slot.name] : [])));
  const lost = [...used].filter((name) => !bound.has(name));
  if (lost.length > 0) {
    // Kysely inlined the value into the SQL text (or dropped it): one compiled text cannot serve every call.
    throw new Error(`compiledQuery: parameter(s) ${lost.join(', ')} did not become bound parameters of: ${compiled.sql}`);
  }
  return { compiled, slots };
}
