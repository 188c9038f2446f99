import { DataSource, MigrationExecutor, type MigrationInterface, type QueryRunner } from 'typeorm';
import {
  DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
  createSchemaIfMissing,
  failingOnCancel,
  poolTimeoutOptions,
  releaseMigrationLock,
  searchPathOption,
  takeMigrationLock,
  type DatabaseTimeouts,
} from '#postgres';
import { ParticipantIdempotency1764633600000 } from './participant-idempotency.migration.js';
import { ParticipantIdempotencyRetention1764900000000 } from './participant-idempotency-retention.migration.js';

/**
 * First key of the advisory lock held while the kit migrates a schema (the second key is the
 * schema name's hash): one process at a time creates and migrates it, the others wait, then find
 * nothing left to do. Idempotency retention uses 7 101.
 */
export const PARTICIPANT_MIGRATION_LOCK_NAMESPACE = 7_102;

/** Options of {@link migrateParticipantSchema}. */
export interface ParticipantMigrationOptions {
  /** A `postgres://` connection string. */
  readonly url: string;
  /** The participant's schema; created when missing. */
  readonly schema: string;
  /** The participant's own migrations, run after the kit's. */
  readonly migrations: readonly (new () => MigrationInterface)[];
  /** The pool's timeouts: all but the statement, query and lock timeouts apply to the migrations. */
  readonly timeouts: DatabaseTimeouts;
  /** The migrations' longest wait for a table lock, ms (0: none; default 1 000). */
  readonly lockTimeoutMs?: number;
  readonly applicationName: string;
  readonly onPoolError?: (error: Error) => void;
  /** Epoch ms after which waiting for another process's migrations (their lock) gives up. */
  readonly lockUntil: number;
  /** Pause between two tries of the lock, ms (default 250). */
  readonly pollMs?: number;
}

/**
 * Creates the participant's schema when missing and applies the kit's migrations, then the
 * participant's, in one transaction, under the schema's migration lock (tried, not waited on, so
 * `lock_timeout` does not cut a wait behind a long migration), on a TypeORM data source of one
 * connection, closed after. Safe from several processes at once. The connection has no statement
 * nor query timeout: an index build over a big table would be cut off at the pool's limits and
 * start over at every try; keep-alive finds a dead peer, and a short `lock_timeout` of its own
 * (`lockTimeoutMs`) stops a wait for a table lock before the commands in flight queue behind it
 * for long (the wait is tried again). A cancelled statement rejects with a
 * MigrationCancelledError.
 */
export async function migrateParticipantSchema(
  options: ParticipantMigrationOptions,
): Promise<void> {
  const migrator = new DataSource({
    type: 'postgres',
    url: options.url,
    schema: options.schema,
    synchronize: false,
    migrations: [
      ParticipantIdempotency1764633600000,
      ParticipantIdempotencyRetention1764900000000,
      ...options.migrations,
    ],
    migrationsTableName: 'participant_migrations',
    migrationsTransactionMode: 'all',
    ...(options.onPoolError === undefined ? {} : { poolErrorHandler: options.onPoolError }),
    extra: {
      ...poolTimeoutOptions(
        {
          ...options.timeouts,
          statementTimeoutMs: 0,
          queryTimeoutMs: 0,
          lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
        },
        options.applicationName,
      ),
      max: 1,
      options: searchPathOption(options.schema),
    },
  });
  await migrator.initialize();
  try {
    // The session that holds the lock runs the migrations: the pool has no other connection.
    const session = migrator.createQueryRunner();
    await session.connect();
    try {
      // Keyed by the schema's name: current_schema() is null until the schema exists.
      const lock = {
        namespace: PARTICIPANT_MIGRATION_LOCK_NAMESPACE,
        schema: options.schema,
        until: options.lockUntil,
        ...(options.pollMs === undefined ? {} : { pollMs: options.pollMs }),
      };
      await takeMigrationLock(session, lock);
      try {
        await createSchemaIfMissing(session, options.schema);
        await applyPending(migrator, session);
      } finally {
        // Closing the connection just after lets the lock go in any case.
        await releaseMigrationLock(session, lock);
      }
    } finally {
      await session.release();
    }
  } finally {
    await migrator.destroy();
  }
}

async function applyPending(migrator: DataSource, session: QueryRunner): Promise<void> {
  const migrations = new MigrationExecutor(migrator, session);
  migrations.transaction = 'all';
  await failingOnCancel(() => migrations.executePendingMigrations());
}
