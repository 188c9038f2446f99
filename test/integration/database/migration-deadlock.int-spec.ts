// Migrations that deadlock with the traffic, on the real Postgres: rolling onto HeldCommandsSagaIndex
// (an index on held_commands, then a column on the outbox) while a decision holds the outbox
// and then inserts a held command. The migration's transaction holds each table lock to its
// end, so the two wait on each other; Postgres ends the migration's side (40P01), and the
// migration runs again once the decision is done (retryWhileUnavailable, as its callers run
// it), instead of failing the start-up or the job.
import pg from 'pg';
import { DataSource } from 'typeorm';
import { quoteIdentifier, retryWhileUnavailable } from '#postgres';
import { postgresDataSourceOptions } from '../../../apps/coordinator/src/persistence/data-source-options.js';
import { coordinatorMigrations } from '../../../apps/coordinator/src/persistence/migrations/index.js';
import { HeldCommandsSagaIndex1765700000000 } from '../../../apps/coordinator/src/persistence/migrations/1765700000000-held-commands-saga-index.js';
import { migrateSchema } from '../../../apps/coordinator/src/persistence/schema-migrations.js';
import {
  atTheReleaseBefore,
  createEmptySchema,
  dropSchemaOf,
} from '../../support/migrated-schema.js';
import { databaseUrl, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

describe('migrations that deadlock with a decision', () => {
  const schema = uniqueName('it_migrate_deadlock');
  let dataSource: DataSource | undefined;
  const decision = new pg.Client({ connectionString: databaseUrl() });

  beforeAll(() => createEmptySchema(schema));
  afterAll(async () => {
    await decision.end().catch(() => undefined);
    await dropSchemaOf(dataSource, schema);
  });

  it('are tried again once the decision they deadlocked with is done', async () => {
    const before = await atTheReleaseBefore(schema, HeldCommandsSagaIndex1765700000000);
    await before.destroy();
    dataSource = new DataSource({
      ...postgresDataSourceOptions({ url: databaseUrl(), schema, poolSize: 2 }),
      migrations: coordinatorMigrations,
    });
    await dataSource.initialize();
    await decision.connect();
    // The decision's own deadlock check waits longer than the migration's (1 s, the server's
    // default): the migration is the side Postgres ends.
    await decision.query(`SET search_path TO ${quoteIdentifier(schema)}`);
    await decision.query(`SET deadlock_timeout = '20s'`);
    await decision.query('BEGIN');
    await decision.query('LOCK TABLE outbox IN ROW EXCLUSIVE MODE'); // as its outbox insert
    const pid = (await decision.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!
      .pid;

    // As the coordinator and the migrate job run it: under retryWhileUnavailable.
    const until = Date.now() + 60_000;
    const migrated = retryWhileUnavailable(() => migrateSchema(dataSource!, { until }), { until });
    // The migration holds held_commands (its index) and waits for the outbox (its column).
    await waitFor('the migration to wait for the outbox', async () => {
      const { rows } = await decision.query<{ waiting: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_class c ON c.oid = l.relation
           WHERE c.relname = 'outbox' AND c.relnamespace = $2::regnamespace AND NOT l.granted
             AND l.pid <> $1) AS waiting`,
        [pid, schema],
      );
      return rows[0]!.waiting;
    });
    // The decision's held command: it waits for the migration, which waits for it.
    await decision.query('LOCK TABLE held_commands IN ROW EXCLUSIVE MODE');
    await decision.query('COMMIT');

    const applied = await migrated;
    expect(applied.map((migration) => migration.name)).toEqual([
      'HeldCommandsSagaIndex1765700000000',
      'OutboxSetAsideRetries1765700000001',
      'OutboxFirstFailedAt1765710000000',
      'BreakerLogRetention1765720000000',
      'DeadLetterBytesReplaced1765730000000',
    ]);
  });
});
