import { MigrationExecutor, type DataSource, type Migration } from 'typeorm';
import {
  failingOnCancel,
  releaseMigrationLock,
  schemaExists,
  takeMigrationLock,
  type DatabaseTimeouts,
  type SchemaConnection,
  type SqlRunner,
} from '#postgres';
import { coordinatorMigrations } from './migrations/index.js';

/**
 * First key of the advisory lock a migrator holds while it migrates (the second key is the
 * schema's hash): one process at a time migrates a schema, the others wait for it and then find
 * nothing left to do. The relay's lanes use 7 001, retention 7 002.
 */
export const MIGRATION_LOCK_NAMESPACE = 7_003;

/** Thrown when a coordinator that must not migrate finds the schema missing or older than it needs. */
export class SchemaOutOfDateError extends Error {
  override name = 'SchemaOutOfDateError';
}

/** Options of {@link migrateSchema}. */
export interface MigrateSchemaOptions {
  /** Epoch ms after which waiting for another migrator's lock gives up (the phase's bound). */
  readonly until: number;
  /** Hears that another process holds the lock (said once). */
  readonly onWait?: () => void;
  /** Pause between two tries of the lock, ms (default 250). */
  readonly pollMs?: number;
}

/**
 * Applies the pending migrations in one transaction, under the schema's migration lock, on the
 * session that holds the lock; resolves with those applied (none when another process did it
 * first: the pending ones are read once the lock is held). Safe to run twice and from several
 * processes at once. The lock is tried, not waited on, so `lock_timeout` does not cut a wait
 * behind a long migration. If the session dies, the server drops the lock and rolls the
 * transaction back together. A cancelled statement rejects with a MigrationCancelledError; a
 * deadlock with the traffic rejects as it is, for the caller's retryWhileUnavailable to run the
 * whole migration again.
 */
export async function migrateSchema(
  dataSource: DataSource,
  options: MigrateSchemaOptions,
): Promise<Migration[]> {
  const session = dataSource.createQueryRunner();
  await session.connect();
  try {
    await takeMigrationLock(session, { namespace: MIGRATION_LOCK_NAMESPACE, ...options });
    const migrations = new MigrationExecutor(dataSource, session);
    migrations.transaction = 'all';
    try {
      return await failingOnCancel(() => migrations.executePendingMigrations());
    } finally {
      await releaseMigrationLock(session, { namespace: MIGRATION_LOCK_NAMESPACE });
    }
  } finally {
    await session.release();
  }
}

/** How the schema stands against the migrations this build knows. */
export interface SchemaStatus {
  /** Migrations of this build not applied to the schema, oldest first. */
  readonly missing: readonly string[];
  /** Migrations applied to the schema that this build does not know (a newer build ran them). */
  readonly unknown: readonly string[];
}

/** Reads which migrations the schema has (none when it has no migrations table yet). */
export async function schemaStatus(sql: SqlRunner): Promise<SchemaStatus> {
  const [table] = await sql.query<{ present: boolean }>(
    `SELECT to_regclass('coordinator_migrations') IS NOT NULL AS present`,
  );
  const applied = new Set<string>();
  if (table?.present) {
    const rows = await sql.query<{ name: string }>(`SELECT name FROM coordinator_migrations`);
    for (const row of rows) applied.add(row.name);
  }
  const known = coordinatorMigrations.map((migration) => new migration().name ?? migration.name);
  return {
    missing: known.filter((name) => !applied.has(name)),
    unknown: [...applied].filter((name) => !known.includes(name)).sort(),
  };
}

/**
 * Refuses a schema older than this build needs (RUN_MIGRATIONS=false): the message names the
 * migrations missing and how to apply them. A newer schema is served: migrations only add.
 */
export function refuseOutOfDate(status: SchemaStatus): void {
  if (status.missing.length === 0) return;
  throw new SchemaOutOfDateError(
    `the database schema is older than this coordinator needs: ${status.missing.length} ` +
      `migration(s) not applied (${status.missing.join(', ')}). RUN_MIGRATIONS is false, so ` +
      `this instance does not migrate: run the migrate job first ` +
      `(node dist/apps/coordinator/src/migrate.js, or npm run migrate), or set RUN_MIGRATIONS=true`,
  );
}

/** Where the coordinator's schema lives, and how to connect there. */
export interface SchemaLocation {
  readonly databaseUrl: string;
  readonly databaseSchema: string;
  readonly databaseTimeouts: DatabaseTimeouts;
  readonly databaseApplicationName: string;
  /** A migration's longest wait for a table lock, ms (0: none); replaces the pool's. */
  readonly databaseMigrationLockTimeoutMs: number;
}

/**
 * Refuses a schema that does not exist (RUN_MIGRATIONS=false): such an instance creates nothing,
 * so it needs no right to; the message names the schema and how to have it made.
 */
export async function refuseMissingSchema(
  connection: SchemaConnection,
  schema: string,
): Promise<void> {
  if (await schemaExists(connection, schema)) return;
  throw new SchemaOutOfDateError(
    `the database schema "${schema}" (DATABASE_SCHEMA) does not exist. RUN_MIGRATIONS is false, ` +
      `so this instance does not create it: run the migrate job first (node ` +
      `dist/apps/coordinator/src/migrate.js, or npm run migrate), which creates and migrates it, ` +
      `or set RUN_MIGRATIONS=true`,
  );
}
