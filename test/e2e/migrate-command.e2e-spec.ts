// The migrate command as a Kubernetes Job runs it (built, its own process, real Postgres), and a
// coordinator that must not migrate (RUN_MIGRATIONS=false) meeting a schema older than it needs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { coordinatorMigrations } from '../../apps/coordinator/src/persistence/migrations/index.js';
import { MIGRATION_LOCK_NAMESPACE } from '../../apps/coordinator/src/persistence/schema-migrations.js';
import { createEnvironment, type CoordinatorEnvironment } from '../support/coordinator-fixture.js';
import { COORDINATOR_ENTRY } from '../support/coordinator-processes.js';
import { listeningUrl, startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';

const MIGRATE_ENTRY = 'dist/apps/coordinator/src/migrate.js';
const everyMigration = coordinatorMigrations.map((migration) => new migration().name);

describe('the migrate command', () => {
  let environment: CoordinatorEnvironment;
  let migrateEnv: Record<string, string>;
  const started: ServiceProcess[] = [];

  /** Only what a migration job is given: the database, as a mounted secret file. */
  beforeEach(async () => {
    environment = await createEnvironment('e2e_migrate');
    const secrets = mkdtempSync(join(tmpdir(), 'migrate-'));
    writeFileSync(join(secrets, 'uri'), `${environment.env.DATABASE_URL}\n`);
    migrateEnv = {
      DATABASE_URL_FILE: join(secrets, 'uri'),
      DATABASE_SCHEMA: environment.schema,
    };
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((service) => service.stop('SIGKILL')));
    await environment.dispose();
  });

  const run = (env: Record<string, string>) => {
    const service = startService(MIGRATE_ENTRY, env);
    started.push(service);
    return service;
  };

  /** Takes the schema's migration lock on a connection of the test's; `release` is idempotent. */
  const holdMigrationLock = async () => {
    const holder = new Client({ connectionString: environment.env.DATABASE_URL });
    await holder.connect();
    await holder.query(`SELECT pg_advisory_lock($1, hashtext($2))`, [
      MIGRATION_LOCK_NAMESPACE,
      environment.schema,
    ]);
    let released: Promise<void> | undefined;
    return { release: () => (released ??= holder.end()) };
  };

  const migrationsTable = async () =>
    (
      await environment.db.query<{ present: boolean }>(
        `SELECT to_regclass('coordinator_migrations') IS NOT NULL AS present`,
      )
    )[0]!.present;

  const appliedNames = async () =>
    (
      await environment.db.query<{ name: string }>(
        `SELECT name FROM coordinator_migrations ORDER BY id`,
      )
    ).map((row) => row.name);

  it('migrates a fresh schema, then run again finds nothing to apply', async () => {
    const first = run(migrateEnv);
    expect(await first.exited).toBe(0);
    expect(first.output()).toContain(`applied ${everyMigration.length} migration(s)`);
    expect(await appliedNames()).toEqual(everyMigration);

    const second = run(migrateEnv);
    expect(await second.exited).toBe(0);
    expect(second.output()).toContain('is current; nothing to apply');
    expect(await appliedNames()).toEqual(everyMigration);
  });

  it('is safe from two processes at once: each waits for the lock, one migrates, the other finds it done', async () => {
    // The test holds the schema's migration lock, so both processes are sure to meet it.
    const lock = await holdMigrationLock();
    try {
      const [a, b] = [run(migrateEnv), run(migrateEnv)];
      await waitFor('both to wait for the lock', () =>
        [a, b].every((service) => service.output().includes('another process is migrating')),
      );
      expect(await migrationsTable()).toBe(false);
      await lock.release();
      expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
      const outputs = [a.output(), b.output()];
      expect(outputs.filter((text) => text.includes('nothing to apply'))).toHaveLength(1);
      expect(
        outputs.filter((text) => text.includes(`applied ${everyMigration.length} migration(s)`)),
      ).toHaveLength(1);
      expect(await appliedNames()).toEqual(everyMigration);
    } finally {
      await lock.release();
    }
  });

  it('stops at SIGTERM while it waits, having applied nothing', async () => {
    const lock = await holdMigrationLock();
    try {
      const waiting = run(migrateEnv);
      await waitFor('it to wait for the lock', () =>
        waiting.output().includes('another process is migrating'),
      );
      expect(await waiting.stop('SIGTERM')).toBe(143);
      expect(await migrationsTable()).toBe(false);
    } finally {
      await lock.release();
    }
  });

  it('says what is wrong, never a password, when the database is unreachable or unnamed', async () => {
    const unreachable = run({
      DATABASE_URL: 'postgres://app:s3cret@127.0.0.1:1/none',
      STARTUP_DATABASE_TIMEOUT_MS: '1500',
    });
    expect(await unreachable.exited).toBe(1);
    expect(unreachable.output()).toContain('database unavailable, trying again');
    expect(unreachable.output()).toContain('FAILED');
    expect(unreachable.output()).not.toContain('s3cret');

    const unnamed = run({});
    expect(await unnamed.exited).toBe(2);
    expect(unnamed.output()).toContain('DATABASE_URL: required');
  });

  it('is needed first by a coordinator started with RUN_MIGRATIONS=false', async () => {
    const coordinatorEnv = { ...environment.env, PORT: '0', RUN_MIGRATIONS: 'false' };
    const refused = startService(COORDINATOR_ENTRY, coordinatorEnv);
    started.push(refused);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(
      `the database schema is older than this coordinator needs: ${everyMigration.length} migration(s) not applied`,
    );
    expect(refused.output()).toContain('run the migrate job first');
    expect(refused.output()).toContain(everyMigration.at(-1));

    expect(await run(migrateEnv).exited).toBe(0);
    const served = startService(COORDINATOR_ENTRY, coordinatorEnv);
    started.push(served);
    const url = await listeningUrl(served);
    expect((await fetch(`${url}/health/live`)).status).toBe(200);
    expect(served.output()).toContain('startup: schema check done');
    expect(served.output()).not.toContain('startup: migrations');
  });
});
