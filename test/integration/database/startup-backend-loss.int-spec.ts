// A coordinator whose database connection is ended while it starts (a failover, an operator's
// pg_terminate_backend during a rollout) tries the phase again and starts, instead of exiting:
// a chaos run once lost a freshly restarted coordinator this way.
import { quoteIdentifier } from '#postgres';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '../../../apps/coordinator/src/persistence/data-source-options.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { databaseUrl } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

describe('a coordinator that loses its database connection while it starts', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime | undefined;
  let locker: pg.Client;
  // Another session looks: inside the locker's transaction pg_stat_activity stays a snapshot.
  let watcher: pg.Client;

  beforeAll(async () => {
    environment = await createEnvironment('it_startup_loss');
    // The schema is migrated already: the coordinator's migration phase only reads its table.
    const migrated = new DataSource(
      postgresDataSourceOptions({ url: databaseUrl(), schema: environment.schema }),
    );
    await migrated.initialize();
    await migrated.runMigrations({ transaction: 'all' });
    await migrated.destroy();
    locker = new pg.Client({ connectionString: databaseUrl() });
    await locker.connect();
    watcher = new pg.Client({ connectionString: databaseUrl() });
    await watcher.connect();
  });

  afterAll(async () => {
    await locker?.end();
    await watcher?.end();
    await coordinator?.stop();
    await environment?.dispose();
  });

  it('tries its migration phase again on a new connection and starts', async () => {
    // Hold the migrations table: the coordinator's migration phase waits on it, mid-phase.
    await locker.query('BEGIN');
    await locker.query(
      `LOCK TABLE ${quoteIdentifier(environment.schema)}.coordinator_migrations IN ACCESS EXCLUSIVE MODE`,
    );
    const starting = startCoordinator(environment);
    starting.catch(() => undefined); // awaited below; a rejection must not go unhandled meanwhile
    // The coordinator's backend that waits on the lock, told apart by what it waits for.
    const waiting = await waitFor('the migration phase waiting on the lock', async () => {
      const { rows } = await watcher.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
          WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()
            AND query LIKE $1`,
        [`%${environment.schema}%coordinator_migrations%`],
      );
      return rows.length > 0 ? rows.map((row) => row.pid) : undefined;
    });

    const { rows } = await watcher.query<{ ended: boolean }>(
      `SELECT pg_terminate_backend(pid) AS ended FROM unnest($1::int[]) AS pid`,
      [waiting],
    );
    expect(rows.every((row) => row.ended)).toBe(true);
    await locker.query('COMMIT');

    coordinator = await starting;
    expect(coordinator.isConsuming()).toBe(true);
  });
});
