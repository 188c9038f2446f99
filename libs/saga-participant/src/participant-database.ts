import type { MigrationInterface } from 'typeorm';
import {
  DEFAULT_DATABASE_TIMEOUTS,
  PoolDatabase,
  retryWhileUnavailable,
  type Database,
  type DatabaseTimeouts,
} from '#postgres';
import { migrateParticipantSchema } from './participant-migrations.js';

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
  /**
   * How long opening waits for another process's migrations of the schema (an instance starting
   * at the same time, a long index build) before it fails (default 120 000 ms).
   */
  readonly waitForMigrationsMs?: number;
  /**
   * The migrations' longest wait for a table lock, ms (default 1 000; 0: none): while a
   * migration's ALTER TABLE waits, the commands' statements on that table queue behind it. A
   * wait cut off is tried again within `waitForDatabaseMs`.
   */
  readonly migrationLockTimeoutMs?: number;
}

/**
 * Connects to the participant's schema, creates it when missing and applies the kit's migrations
 * (the idempotency table) and the participant's own, in one transaction, one process at a time
 * (migrateParticipantSchema: an advisory lock, no statement timeout, a cancelled statement not
 * tried again). Every connection of the pool it resolves with has the timeouts and keep-alive
 * of `timeouts`, and one that dies (a terminated backend) fails its queries without crashing
 * the process. An unavailable database is tried again for `waitForDatabaseMs`. Resolves with
 * the open Database; the caller closes it.
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
  // Each step is safe to run again: the schema made if missing, the migrations in one transaction.
  const retry = {
    until: Date.now() + (options.waitForDatabaseMs ?? 60_000),
    ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
  };
  try {
    await retryWhileUnavailable(async () => {
      await database.open();
      await migrateParticipantSchema({
        url: options.url,
        schema: options.schema,
        migrations: options.migrations ?? [],
        timeouts,
        applicationName,
        ...(options.onPoolError === undefined ? {} : { onPoolError: options.onPoolError }),
        lockUntil: Date.now() + (options.waitForMigrationsMs ?? 120_000),
        ...(options.migrationLockTimeoutMs === undefined
          ? {}
          : { lockTimeoutMs: options.migrationLockTimeoutMs }),
      });
    }, retry);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
