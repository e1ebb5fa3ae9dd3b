import { CompiledQuery, SqliteDialect, SqliteDriver, type DatabaseConnection, type Driver } from 'kysely';

/**
 * SQLite transactions that take the write lock when they begin (BEGIN IMMEDIATE). Within one
 * process Kysely already runs one transaction at a time; between processes on one file (an api
 * and a worker), a deferred transaction that read before another process wrote would fail with
 * SQLITE_BUSY when it tries to write, while an immediate one waits (busy_timeout) for its turn.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  /**
   * SQLite ends a transaction itself on some errors (a full disk, an I/O error): then there is
   * nothing to roll back, and the error that ended it, not "no transaction is active", is the
   * one its caller must hear of.
   */
  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await super.rollbackTransaction(connection);
    } catch (error) {
      if (!isNoTransaction(error)) throw error;
    }
  }
}

/** SQLite's answer to a rollback, or a rollback to a savepoint, of a transaction it has already ended. */
export const isNoTransaction = (error: unknown): boolean => error instanceof Error && /no transaction is active|no such savepoint/.test(error.message);

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}
