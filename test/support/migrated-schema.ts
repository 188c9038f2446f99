import { DataSource } from 'typeorm';
import { Client } from 'pg';
import {
  PoolDatabase,
  quoteIdentifier,
  type Database,
  type SingleConnectionDatabase,
} from '#postgres';
import { coordinatorDatabase } from '../../apps/coordinator/src/persistence/coordinator-database.js';
import { postgresDataSourceOptions } from '../../apps/coordinator/src/persistence/data-source-options.js';
import { coordinatorMigrations } from '../../apps/coordinator/src/persistence/migrations/index.js';
import { databaseUrl, uniqueName } from './services.js';

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

/** Creates the empty schema a migration test migrates step by step itself. */
export async function createEmptySchema(schema: string): Promise<void> {
  const admin = new Client({ connectionString: databaseUrl() });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  } finally {
    await admin.end();
  }
}

/** Drops a migration test's schema through its data source, if it got that far, and closes it. */
export async function dropSchemaOf(
  dataSource: DataSource | undefined,
  schema: string,
): Promise<void> {
  if (!dataSource?.isInitialized) return;
  await dataSource.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
  await dataSource.destroy();
}

/**
 * A data source on `schema` (empty) that knows the coordinator's migrations up to `migration`,
 * with all of them applied but that one: the schema of the release before it, which a test
 * fills as that release would, then migrates (`runMigrations`) and undoes.
 */
export async function atTheReleaseBefore(
  schema: string,
  migration: (typeof coordinatorMigrations)[number],
): Promise<DataSource> {
  const dataSource = new DataSource({
    ...postgresDataSourceOptions({ url: databaseUrl(), schema, poolSize: 2 }),
    migrations: coordinatorMigrations.slice(0, coordinatorMigrations.indexOf(migration) + 1),
  });
  await dataSource.initialize();
  await dataSource.runMigrations({ transaction: 'all' });
  await dataSource.undoLastMigration({ transaction: 'all' });
  return dataSource;
}

/** The coordinator's tables, migrated, on one of its databases. */
export interface MigratedDatabase {
  readonly database: Database;
  /** The schema, on Postgres. */
  readonly schema?: string;
  dispose(): Promise<void>;
}

/** The coordinator's tables on a new schema of the test run's Postgres (`prefix` names it). */
export async function migratedOnPostgres(prefix: string): Promise<MigratedDatabase> {
  const schema = uniqueName(prefix);
  const database = await openMigratedSchema(schema);
  return { database, schema, dispose: () => dropMigratedSchema(database, schema) };
}

/** The coordinator's tables on a new in-memory PGlite, as the embedded mode runs them. */
export async function migratedOnPglite(): Promise<MigratedDatabase> {
  const database = coordinatorDatabase({}) as SingleConnectionDatabase;
  await database.open();
  await database.dataSource.runMigrations({ transaction: 'all' });
  return { database, dispose: () => database.close() };
}

/** For `describe.each`: the coordinator's tables on Postgres and on PGlite. */
export function migratedDatabases(prefix: string): [string, () => Promise<MigratedDatabase>][] {
  return [
    ['Postgres', () => migratedOnPostgres(prefix)],
    ['PGlite, embedded', migratedOnPglite],
  ];
}
