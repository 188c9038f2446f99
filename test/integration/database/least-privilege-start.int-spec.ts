// A coordinator that does not migrate (RUN_MIGRATIONS=false) needs no right to create schemas:
// as a least-privilege role, one that may only use the schema the migrate job made and its
// tables, it starts; on a schema that does not exist it refuses, naming it, and creates nothing.
import { quoteIdentifier } from '#postgres';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '../../../apps/coordinator/src/persistence/data-source-options.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createCoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-core.module.js';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  createEnvironment,
  startCoordinator,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { databaseUrl, uniqueName } from '../../support/services.js';

describe('a coordinator started with RUN_MIGRATIONS=false', () => {
  const role = uniqueName('it_runtime_role');
  let environment: CoordinatorEnvironment;
  let admin: pg.Client;
  const runtimes: CoordinatorRuntime[] = [];
  /** `DATABASE_URL` as the least-privilege role (the test server trusts every local role). */
  const roleUrl = () => {
    const url = new URL(databaseUrl());
    url.username = role;
    return url.toString();
  };

  beforeAll(async () => {
    environment = await createEnvironment('it_least_privilege');
    // The migrate job's part, as the owner: the schema is current.
    const migrator = new DataSource(
      postgresDataSourceOptions({ url: databaseUrl(), schema: environment.schema }),
    );
    await migrator.initialize();
    await migrator.runMigrations({ transaction: 'all' });
    await migrator.destroy();
    admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
    const schema = quoteIdentifier(environment.schema);
    await admin.query(`CREATE ROLE ${quoteIdentifier(role)} LOGIN`);
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${quoteIdentifier(role)}`);
    await admin.query(
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA ${schema} TO ${quoteIdentifier(role)}`,
    );
    await admin.query(
      `GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${quoteIdentifier(role)}`,
    );
  });

  afterAll(async () => {
    for (const runtime of runtimes) await runtime.stop();
    await environment?.dispose();
    if (admin) {
      await admin.query(`DROP OWNED BY ${quoteIdentifier(role)}`);
      await admin.query(`DROP ROLE ${quoteIdentifier(role)}`);
      await admin.end();
    }
  });

  it('starts as a role that may use its schema but not create one', async () => {
    const coordinator = await startCoordinator(environment, {
      DATABASE_URL: roleUrl(),
      RUN_MIGRATIONS: 'false',
    });
    runtimes.push(coordinator);

    expect(coordinator.isConsuming()).toBe(true);
  });

  it('refuses a schema that does not exist, naming it and RUN_MIGRATIONS, and creates nothing', async () => {
    const missing = uniqueName('it_missing_schema');
    // As the owner, who could create it: the instance must not.
    const runtime = await createCoordinatorRuntime({
      config: environment.config({ DATABASE_SCHEMA: missing, RUN_MIGRATIONS: 'false' }),
      registry: createSampleSagaRegistry(),
    });
    runtimes.push(runtime);
    try {
      await expect(runtime.start()).rejects.toThrow(
        new RegExp(`schema "${missing}".* does not exist.*RUN_MIGRATIONS is false`),
      );
      const { rows } = await admin.query(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [
        missing,
      ]);
      expect(rows).toEqual([]);
    } finally {
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(missing)} CASCADE`);
    }
  });
});
