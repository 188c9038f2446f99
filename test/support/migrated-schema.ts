import { DataSource } from 'typeorm';
import {
  postgresDataSourceOptions,
  quoteIdentifier,
} from '../../apps/coordinator/src/persistence/data-source-options.js';
import { databaseUrl } from './services.js';

/** A data source on `schema`, created with every coordinator migration applied. */
export async function openMigratedSchema(schema: string): Promise<DataSource> {
  const dataSource = new DataSource(postgresDataSourceOptions({ url: databaseUrl(), schema }));
  await dataSource.initialize();
  await dataSource.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  await dataSource.runMigrations({ transaction: 'all' });
  return dataSource;
}

/** Drops the schema openMigratedSchema made, and closes its data source. */
export async function dropMigratedSchema(dataSource: DataSource, schema: string): Promise<void> {
  await dataSource.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
  await dataSource.destroy();
}
