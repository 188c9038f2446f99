// Migrations, as the coordinator and the migrate command run them (postgresMigrationSource,
// migrateSchema, retryWhileUnavailable), over a table big enough that building an index takes
// longer than the connection's statement and query timeouts: the index is built, not cut off at
// the application's limits; a migration statement cancelled on purpose is not tried again.
import {
  DEFAULT_DATABASE_TIMEOUTS,
  DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
  quoteIdentifier,
  retryWhileUnavailable,
  sqlStateOf,
  type DatabaseTimeouts,
} from '#postgres';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { postgresMigrationSource } from '../../../apps/coordinator/src/persistence/coordinator-database.js';
import { TimersInSagaRow1765500000000 } from '../../../apps/coordinator/src/persistence/migrations/1765500000000-timers-in-saga-row.js';
import { migrateSchema } from '../../../apps/coordinator/src/persistence/schema-migrations.js';
import {
  atTheReleaseBefore,
  createEmptySchema,
  dropSchemaOf,
} from '../../support/migrated-schema.js';
import { databaseUrl, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

/** The migration connection's limits in the first test, ms: far below one index build. */
const SHORT_TIMEOUTS = { statementTimeoutMs: 10, queryTimeoutMs: 20 };
/** Sagas added at a time until an index build over them outlasts the limits. */
const SAGAS_PER_BATCH = 50_000;
const MAX_BATCHES = 20;

describe('the statements of a migration run', () => {
  let schema: string;
  let dataSource: DataSource | undefined;

  beforeEach(async () => {
    schema = uniqueName('it_long_migration');
    await createEmptySchema(schema);
    dataSource = await atTheReleaseBefore(schema, TimersInSagaRow1765500000000);
  });

  afterEach(() => dropSchemaOf(dataSource, schema));

  const migrationsWith = (
    timeouts: Partial<DatabaseTimeouts>,
    applicationName?: string,
    migrationLockTimeoutMs = DEFAULT_MIGRATION_LOCK_TIMEOUT_MS,
  ) =>
    postgresMigrationSource({
      databaseUrl: databaseUrl(),
      databaseSchema: schema,
      databaseTimeouts: { ...DEFAULT_DATABASE_TIMEOUTS, ...timeouts },
      databaseMigrationLockTimeoutMs: migrationLockTimeoutMs,
      ...(applicationName === undefined ? {} : { databaseApplicationName: applicationName }),
    });

  const appliedNames = async () =>
    (await dataSource!.query<{ name: string }[]>(`SELECT name FROM coordinator_migrations`)).map(
      (row) => row.name,
    );

  /**
   * Adds sagas until adding a column and building a partial index on it, as TimersInSagaRow
   * does, takes longer than `ms` (each probe is rolled back): the test's premise holds however
   * fast the machine is.
   */
  async function fillSagasUntilIndexBuildOutlasts(ms: number): Promise<void> {
    const runner = dataSource!.createQueryRunner();
    try {
      for (let batch = 0; batch < MAX_BATCHES; batch++) {
        await runner.query(
          `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
           SELECT gen_random_uuid(), 'order', 1, 'running', $1 || g, '{"steps": {}}'
           FROM generate_series(1, $2::int) g`,
          [`${batch}:`, SAGAS_PER_BATCH],
        );
        await runner.startTransaction();
        try {
          await runner.query(`ALTER TABLE sagas ADD COLUMN probe timestamptz`);
          await runner.query(`SET LOCAL statement_timeout = ${ms}`);
          await runner.query(
            `CREATE INDEX sagas_probe_idx ON sagas (probe) WHERE probe IS NOT NULL`,
          );
        } catch (error) {
          if (sqlStateOf(error) === '57014') return;
          throw error;
        } finally {
          // A statement timeout that falls as the index build ends is acted on at the next
          // statement: it may cancel this ROLLBACK (it failed so once in CI). Roll back again.
          await runner.rollbackTransaction().catch(async (error: unknown) => {
            if (sqlStateOf(error) !== '57014') throw error;
            await runner.rollbackTransaction();
          });
        }
      }
      throw new Error(`an index build over ${MAX_BATCHES * SAGAS_PER_BATCH} sagas took < ${ms} ms`);
    } finally {
      await runner.release();
    }
  }

  it("builds an index that takes longer than the connection's statement and query timeouts", async () => {
    await fillSagasUntilIndexBuildOutlasts(SHORT_TIMEOUTS.queryTimeoutMs);

    const applied = await migrationsWith(SHORT_TIMEOUTS)((migrating) =>
      migrateSchema(migrating, { until: Date.now() + 60_000 }),
    );

    expect(applied.map((migration) => migration.name)).toEqual([
      'TimersInSagaRow1765500000000',
      'AuditPartitions1765600000000',
      'HeldCommandsSagaIndex1765700000000',
      'OutboxSetAsideRetries1765700000001',
      'OutboxFirstFailedAt1765710000000',
      'BreakerLogRetention1765720000000',
      'DeadLetterBytesReplaced1765730000000',
    ]);
    const [index] = await dataSource!.query<{ valid: boolean }[]>(
      `SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = to_regclass('sagas_wake_idx')`,
    );
    expect(index).toEqual({ valid: true });
  });

  it('are not tried again once one is cancelled on purpose, and nothing is applied', async () => {
    const migrator = uniqueName('it_cancelled_migrator');
    // No lock timeout: the migration waits behind the reader until the test cancels it.
    const migrations = migrationsWith({}, migrator, 0);
    const reader = new pg.Client({ connectionString: databaseUrl() });
    await reader.connect();
    // Another session looks: inside the reader's transaction pg_stat_activity stays a snapshot.
    const watcher = new pg.Client({ connectionString: databaseUrl() });
    await watcher.connect();
    const retried: unknown[] = [];
    try {
      // A transaction that read `sagas` holds it against the migration's ALTER TABLE.
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM ${quoteIdentifier(schema)}.sagas`);
      const until = Date.now() + 60_000;
      const migrating = retryWhileUnavailable(
        () => migrations((migrating) => migrateSchema(migrating, { until })),
        { until, onRetry: (error) => retried.push(error) },
      );
      migrating.catch(() => undefined); // awaited below; must not go unhandled meanwhile
      const pid = await waitFor('the migration to wait for the reader', async () => {
        const { rows } = await watcher.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
          [migrator],
        );
        return rows[0]?.pid;
      });
      await watcher.query(`SELECT pg_cancel_backend($1)`, [pid]);
      // Let a try after the cancel through, were there one.
      await reader.query('COMMIT');

      await expect(migrating).rejects.toThrow(/a migration statement was cancelled/);
      expect(retried).toEqual([]);
      expect(await appliedNames()).not.toContain('TimersInSagaRow1765500000000');
    } finally {
      await reader.end();
      await watcher.end();
    }
  });

  it("waits a second at a time for a table lock, not the pool's lock timeout, and tries again", async () => {
    const migrator = uniqueName('it_waiting_migrator');
    // The pool's own lock timeout is long; the migration's replaces it.
    const migrations = migrationsWith({ lockTimeoutMs: 60_000 }, migrator);
    const lockTimeout = await migrations((source) =>
      source.query<{ lock_timeout: string }[]>('SHOW lock_timeout'),
    );
    expect(lockTimeout).toEqual([{ lock_timeout: '1s' }]);

    const reader = new pg.Client({ connectionString: databaseUrl() });
    await reader.connect();
    const retried: unknown[] = [];
    try {
      // A transaction that read `sagas` holds it against the migration's ALTER TABLE until the
      // migration's first wait is cut off.
      await reader.query('BEGIN');
      await reader.query(`SELECT count(*) FROM ${quoteIdentifier(schema)}.sagas`);
      const until = Date.now() + 60_000;
      let committed: Promise<unknown> = Promise.resolve();
      await retryWhileUnavailable(
        () => migrations((migrating) => migrateSchema(migrating, { until })),
        {
          until,
          onRetry: (error) => {
            retried.push(error);
            committed = reader.query('COMMIT');
          },
          // The pause before the next try is the reader's commit.
          sleep: () => committed.then(() => undefined),
        },
      );

      expect(retried.map(sqlStateOf)).toEqual(['55P03']);
      expect(await appliedNames()).toContain('TimersInSagaRow1765500000000');
    } finally {
      await reader.end();
    }
  });
});
