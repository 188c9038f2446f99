import { DataSource } from 'typeorm';
import { PGliteDriver } from 'typeorm-pglite';
import { coordinatorMigrations } from './migrations/index.js';
import { serializeTransactions } from '#postgres';

/**
 * An embedded Postgres (PGlite, in this process) with the same migrations as the real one:
 * in memory, or in `dataDir` to keep sagas across restarts. It has one connection, so its
 * transactions run one after the other.
 */
export function embeddedDataSource(dataDir?: string): DataSource {
  const dataSource = new DataSource({
    type: 'postgres',
    driver: new PGliteDriver(dataDir ? { dataDir } : {}).driver,
    synchronize: false,
    migrations: coordinatorMigrations,
    migrationsTableName: 'coordinator_migrations',
    migrationsTransactionMode: 'all',
  });
  serializeTransactions(dataSource);
  return dataSource;
}
