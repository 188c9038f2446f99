import type { DataSourceOptions } from 'typeorm';
import { coordinatorMigrations } from './migrations/index.js';

/** Options of {@link postgresDataSourceOptions}. */
export interface PostgresConnectionOptions {
  /** A `postgres://` connection string. */
  url: string;
  /** The schema holding the coordinator's tables (default `public`); created when missing. */
  schema?: string;
  /** Pool size (default 10). */
  poolSize?: number;
}

/**
 * TypeORM options for the coordinator's Postgres. The schema only ever changes through the
 * migrations (`synchronize` is off); `search_path` points every query at the chosen schema.
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
    extra: { max: options.poolSize ?? 10, options: `-c search_path=${quoteIdentifier(schema)}` },
  };
}

/** Quotes a Postgres identifier (doubles any inner quote). */
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
