import { DataSource } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import {
  DEFAULT_DATABASE_TIMEOUTS,
  PoolDatabase,
  SingleConnectionDatabase,
  type Database,
} from '#postgres';
import { lockDataDir, unlockDataDir } from './data-dir-lock.js';
import { postgresDataSourceOptions } from './data-source-options.js';
import { coordinatorMigrations } from './migrations/index.js';
import type { SchemaLocation } from './schema-migrations.js';

/** Where the coordinator keeps its tables: a Postgres server, or else the embedded database. */
export interface DatabaseSettings extends Partial<SchemaLocation> {
  readonly databasePoolSize?: number;
  /** Where the embedded database keeps its files (default: in memory). */
  readonly embeddedDataDir?: string;
}

/**
 * The coordinator's database: a pool of its own on Postgres when a URL is given, else an
 * embedded Postgres (PGlite, in this process) with the same migrations, in memory or in
 * `embeddedDataDir` to keep sagas across restarts. Nothing connects before `open`.
 */
export function coordinatorDatabase(
  settings: DatabaseSettings,
  onIdleError?: (error: Error) => void,
): Database {
  if (!settings.databaseUrl) {
    const dataDir = settings.embeddedDataDir;
    return new EmbeddedDatabase(
      new DataSource({
        type: 'postgres',
        driver: new PGliteDriver(dataDir ? { dataDir } : {}).driver,
        synchronize: false,
        migrations: coordinatorMigrations,
        migrationsTableName: 'coordinator_migrations',
        migrationsTransactionMode: 'all',
      }),
      dataDir,
    );
  }
  return PoolDatabase.connect({
    url: settings.databaseUrl,
    ...(settings.databaseSchema === undefined ? {} : { schema: settings.databaseSchema }),
    ...(settings.databasePoolSize === undefined ? {} : { poolSize: settings.databasePoolSize }),
    ...(settings.databaseTimeouts === undefined ? {} : { timeouts: settings.databaseTimeouts }),
    applicationName: settings.databaseApplicationName ?? 'saga-coordinator',
    ...(onIdleError === undefined ? {} : { onIdleError }),
  });
}

/**
 * The embedded database, on its data directory when it has one: taken for this process before
 * PGlite opens it (lockDataDir), given back once it is closed.
 */
class EmbeddedDatabase extends SingleConnectionDatabase {
  constructor(
    dataSource: DataSource,
    private readonly dataDir: string | undefined,
  ) {
    super(dataSource);
  }

  override async open(): Promise<void> {
    if (this.dataDir !== undefined) lockDataDir(this.dataDir);
    await super.open();
  }

  override async close(): Promise<void> {
    await super.close();
    if (this.dataDir !== undefined) unlockDataDir(this.dataDir);
  }
}

/** Lends a TypeORM data source on the coordinator's schema to `use`, for its migrations. */
export type MigrationSource = <T>(use: (dataSource: DataSource) => Promise<T>) => Promise<T>;

/**
 * Where `database`'s migrations run (TypeORM's executor needs a data source): the embedded
 * database's own; for Postgres, a new data source of one connection (the session that holds
 * the migration lock migrates), initialized for each use and destroyed after it.
 */
export function migrationSourceOf(
  database: Database,
  location: Partial<SchemaLocation> & Pick<SchemaLocation, 'databaseMigrationLockTimeoutMs'>,
  onIdleError?: (error: Error) => void,
): MigrationSource {
  if (database instanceof SingleConnectionDatabase) return (use) => use(database.dataSource);
  const { databaseUrl } = location;
  if (!databaseUrl) throw new Error('a Postgres database needs its URL to migrate');
  return postgresMigrationSource({ ...location, databaseUrl }, onIdleError);
}

/**
 * A new data source of one connection on the schema for each use, destroyed after it: a retry
 * after a lost or hung connection starts from a new one. The connection has no statement nor
 * query timeout: an index build or a backfill over a big table, under the lock of its table,
 * would be cut off at the application's limits and started over at every try. What bounds a
 * migration is the migrations phase (STARTUP_MIGRATIONS_TIMEOUT_MS) or the Job's deadline;
 * keep-alive finds a dead peer, and its own `lock_timeout` (`databaseMigrationLockTimeoutMs`,
 * short) stops a wait for a table lock behind the coordinators' transactions (tried again)
 * before the statements queued behind that wait stall the decisions for long.
 */
export function postgresMigrationSource(
  location: Partial<SchemaLocation> &
    Pick<SchemaLocation, 'databaseUrl' | 'databaseMigrationLockTimeoutMs'>,
  onIdleError?: (error: Error) => void,
): MigrationSource {
  return async (use) => {
    const dataSource = new DataSource(
      postgresDataSourceOptions({
        url: location.databaseUrl,
        ...(location.databaseSchema === undefined ? {} : { schema: location.databaseSchema }),
        poolSize: 1,
        timeouts: {
          ...(location.databaseTimeouts ?? DEFAULT_DATABASE_TIMEOUTS),
          statementTimeoutMs: 0,
          queryTimeoutMs: 0,
          lockTimeoutMs: location.databaseMigrationLockTimeoutMs,
        },
        ...(location.databaseApplicationName === undefined
          ? {}
          : { applicationName: location.databaseApplicationName }),
        ...(onIdleError === undefined ? {} : { onPoolError: onIdleError }),
      }),
    );
    await dataSource.initialize();
    try {
      return await use(dataSource);
    } finally {
      await dataSource.destroy();
    }
  };
}
