import { DataSource } from 'typeorm';
import { PoolDatabase, quoteIdentifier, type Database } from '#postgres';
import { postgresDataSourceOptions } from '../../apps/coordinator/src/persistence/data-source-options.js';
import { databaseUrl } from './services.js';

/** A database on `schema`, created with every coordinator migration applied. */
export async function openMigratedSchema(schema: string): Promise<PoolDatabase> {
  const migrator = new DataSource(postgresDataSourceOptions({ url: databaseUrl(), schema }));
  await migrator.initialize();
  try {
    await migrator.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await migrator.runMigrations({ transaction: 'all' });
  } finally {
    await migrator.destroy();
  }
  const database = PoolDatabase.connect({ url: databaseUrl(), schema });
  await database.open();
  return database;
}

/** Drops the schema openMigratedSchema made, and closes its database. */
export async function dropMigratedSchema(database: Database, schema: string): Promise<void> {
  await database.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
  await database.close();
}
