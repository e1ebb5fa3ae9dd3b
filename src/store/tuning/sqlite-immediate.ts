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
}

export class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}
