import type { DataSourceOptions } from 'typeorm';
import {
  DEFAULT_DATABASE_TIMEOUTS,
  poolTimeoutOptions,
  searchPathOption,
  type DatabaseTimeouts,
} from '#postgres';
import { coordinatorMigrations } from './migrations/index.js';

/** Options of {@link postgresDataSourceOptions}. */
export interface PostgresConnectionOptions {
  /** A `postgres://` connection string. */
  url: string;
  /** The schema holding the coordinator's tables (default `public`); created when missing. */
  schema?: string;
  /** Pool size (default 10). */
  poolSize?: number;
  /** Connect, statement, lock, idle-in-transaction and query timeouts, keep-alive (default DEFAULT_DATABASE_TIMEOUTS). */
  timeouts?: DatabaseTimeouts;
  /** The connections' `application_name` (default `saga-coordinator`; one in the URL wins). */
  applicationName?: string;
  /** Hears the errors of idle connections (a terminated backend); default: TypeORM's warning. */
  onPoolError?: (error: Error) => void;
}

/**
 * TypeORM options for the coordinator's Postgres, on which its migrations run (the running
 * coordinator reads and writes through a PoolDatabase of its own). The schema only ever changes through the
 * migrations (`synchronize` is off); `search_path` points every query at the chosen schema;
 * every connection has the timeouts and keep-alive of `timeouts`.
 */
export function postgresDataSourceOptions(options: PostgresConnectionOptions): DataSourceOptions {
  const schema = options.schema ?? 'public';
  return {
    type: 'postgres',
    url: options.url,
    schema,
    synchronize: false,
    migrationsRun: false,
    migrations: coordinatorMigrations,
    migrationsTableName: 'coordinator_migrations',
    migrationsTransactionMode: 'all',
    ...(options.onPoolError === undefined ? {} : { poolErrorHandler: options.onPoolError }),
    extra: {
      ...poolTimeoutOptions(
        options.timeouts ?? DEFAULT_DATABASE_TIMEOUTS,
        options.applicationName ?? 'saga-coordinator',
      ),
      max: options.poolSize ?? 10,
      options: searchPathOption(schema),
    },
  };
}
