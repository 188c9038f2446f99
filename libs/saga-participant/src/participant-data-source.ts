import { DataSource, type MigrationInterface } from 'typeorm';
import {
  DEFAULT_DATABASE_TIMEOUTS,
  guardConnections,
  poolTimeoutOptions,
  retryWhileUnavailable,
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
  /** Hears the errors of idle connections (a terminated backend); default: TypeORM's warning. */
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
 * (the idempotency table) and the participant's own, in one transaction. Every connection has
 * the timeouts and keep-alive of `timeouts`, and a connection that dies (a terminated backend)
 * fails its queries without crashing the process. An unavailable database is tried again for
 * `waitForDatabaseMs`. Resolves with the initialized DataSource; the caller destroys it.
 */
export async function openParticipantDatabase(
  options: ParticipantDatabaseOptions,
): Promise<DataSource> {
  const dataSource = new DataSource({
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
      ...poolTimeoutOptions(
        options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS,
        options.applicationName ?? 'saga-participant',
      ),
      max: options.poolSize ?? 5,
      options: `-c search_path=${quoteIdentifier(options.schema)}`,
    },
  });
  // Each step is safe to run again: IF NOT EXISTS, and the migrations in one transaction.
  const retry = {
    until: Date.now() + (options.waitForDatabaseMs ?? 60_000),
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
  };
  await retryWhileUnavailable(() => dataSource.initialize(), retry);
  guardConnections(dataSource);
  try {
    await retryWhileUnavailable(async () => {
      await dataSource.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(options.schema)}`);
      await dataSource.runMigrations({ transaction: 'all' });
    }, retry);
  } catch (error) {
    await dataSource.destroy();
    throw error;
  }
  return dataSource;
}

/** Quotes a Postgres identifier (doubles any inner quote). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
