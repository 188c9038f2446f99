import { DataSource, type MigrationInterface } from 'typeorm';
import {
  DEFAULT_DATABASE_TIMEOUTS,
  PoolDatabase,
  poolTimeoutOptions,
  quoteIdentifier,
  searchPathOption,
  retryWhileUnavailable,
  type Database,
  type DatabaseTimeouts,
} from '#postgres';
import { ParticipantIdempotency1764633600000 } from './participant-idempotency.migration.js';
import { ParticipantIdempotencyRetention1764900000000 } from './participant-idempotency-retention.migration.js';

/** Options of {@link openParticipantDatabase}. */
export interface ParticipantDatabaseOptions {
  /** A `postgres://` connection string. */
  readonly url: string;
  /** The participant's own schema; created when missing. */
  readonly schema: string;
  /** The participant's own migrations, run after the kit's (default none). */
  readonly migrations?: readonly (new () => MigrationInterface)[];
  /** Pool size (default 5). */
  readonly poolSize?: number;
  /** Connect, statement, lock, idle-in-transaction and query timeouts, keep-alive (default DEFAULT_DATABASE_TIMEOUTS). */
  readonly timeouts?: DatabaseTimeouts;
  /** The connections' `application_name` (default `saga-participant`; one in the URL wins). */
  readonly applicationName?: string;
  /** Hears the errors of idle connections (a terminated backend); default: a process warning. */
  readonly onPoolError?: (error: Error) => void;
  /**
   * How long opening waits out an unavailable database (a failover, terminated backends),
   * trying again, before it fails (default 60 000 ms).
   */
  readonly waitForDatabaseMs?: number;
  /** Hears each failure that opening tries again after (default: nothing). */
  readonly onRetry?: (error: unknown) => void;
}

/**
 * Connects to the participant's schema, creates it when missing and applies the kit's migration
 * (the idempotency table) and the participant's own, in one transaction (on a TypeORM data
 * source of one connection, closed after). Every connection of the pool it resolves with has the
 * timeouts and keep-alive of `timeouts`, and one that dies (a terminated backend) fails its
 * queries without crashing the process. An unavailable database is tried again for
 * `waitForDatabaseMs`. Resolves with the open Database; the caller closes it.
 */
export async function openParticipantDatabase(
  options: ParticipantDatabaseOptions,
): Promise<Database> {
  const timeouts = options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
  const applicationName = options.applicationName ?? 'saga-participant';
  const database = PoolDatabase.connect({
    url: options.url,
    schema: options.schema,
    poolSize: options.poolSize ?? 5,
    timeouts,
    applicationName,
    ...(options.onPoolError === undefined ? {} : { onIdleError: options.onPoolError }),
  });
  // Each step is safe to run again: IF NOT EXISTS, and the migrations in one transaction.
  const retry = {
    until: Date.now() + (options.waitForDatabaseMs ?? 60_000),
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
  };
  try {
    await retryWhileUnavailable(async () => {
      await database.open();
      await database.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}`);
      await migrate(options, timeouts, applicationName);
    }, retry);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

async function migrate(
  options: ParticipantDatabaseOptions,
  timeouts: DatabaseTimeouts,
  applicationName: string,
): Promise<void> {
  const migrator = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    synchronize: false,
    migrations: [
      ParticipantIdempotency1764633600000,
      ParticipantIdempotencyRetention1764900000000,
      ...(options.migrations ?? []),
    ],
    migrationsTableName: 'participant_migrations',
    migrationsTransactionMode: 'all',
    ...(options.onPoolError === undefined ? {} : { poolErrorHandler: options.onPoolError }),
    extra: {
      ...poolTimeoutOptions(timeouts, applicationName),
      max: 1,
      options: searchPathOption(options.schema),
    },
  });
  await migrator.initialize();
  try {
    await migrator.runMigrations({ transaction: 'all' });
  } finally {
    await migrator.destroy();
  }
}
