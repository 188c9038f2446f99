// The kit's migrations (openParticipantDatabase) under ordinary production settings: a migration
// statement longer than the pool's statement and query timeouts (an index build over a big
// table) is not cut off by them; one cancelled on purpose is not tried again; instances that
// start together on a schema not made yet all open it, one migrating at a time.
import { DEFAULT_DATABASE_TIMEOUTS, type Database } from '#postgres';
import { openParticipantDatabase, quoteIdentifier } from '#saga-participant';
import pg from 'pg';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { databaseUrl, uniqueName } from '../../support/services.js';

/** The pool's limits in these tests, ms: far below the migrations' statements. */
const SHORT_TIMEOUTS = {
  ...DEFAULT_DATABASE_TIMEOUTS,
  statementTimeoutMs: 100,
  queryTimeoutMs: 200,
};

/** A participant's migration whose one statement takes a second, as an index build may. */
class SlowMigration1766000000100 implements MigrationInterface {
  name = 'SlowMigration1766000000100';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`SELECT pg_sleep(1)`);
    await runner.query(`CREATE TABLE slow_made (id int)`);
  }
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE slow_made`);
  }
}

/** A participant's migration whose statement the server cancels (a statement_timeout of its own). */
class CancelledMigration1766000000200 implements MigrationInterface {
  name = 'CancelledMigration1766000000200';
  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`SET LOCAL statement_timeout = 50`);
    await runner.query(`SELECT pg_sleep(5)`);
  }
  async down(): Promise<void> {}
}

/** The lock timeouts the migrations below ran under, in the order they ran. */
const lockTimeoutsSeen: string[] = [];

/** A participant's migration that notes the lock timeout it runs under. */
class LockTimeoutProbe1766000000300 implements MigrationInterface {
  name = 'LockTimeoutProbe1766000000300';
  async up(runner: QueryRunner): Promise<void> {
    const [row] = (await runner.query(`SHOW lock_timeout`)) as { lock_timeout: string }[];
    lockTimeoutsSeen.push(row!.lock_timeout);
  }
  async down(): Promise<void> {}
}

describe("the participant kit's migrations", () => {
  const schemas: string[] = [];
  const opened: Database[] = [];
  let admin: pg.Client;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: databaseUrl() });
    await admin.connect();
  });

  afterAll(async () => {
    await Promise.all(opened.map((database) => database.close()));
    for (const schema of schemas) {
      await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    }
    await admin.end();
  });

  const newSchema = () => {
    const schema = uniqueName('it_participant_migrations');
    schemas.push(schema);
    return schema;
  };
  const open = async (options: Parameters<typeof openParticipantDatabase>[0]) => {
    const database = await openParticipantDatabase(options);
    opened.push(database);
    return database;
  };
  const appliedIn = async (schema: string) =>
    (
      await admin.query<{ name: string }>(
        `SELECT name FROM ${quoteIdentifier(schema)}.participant_migrations ORDER BY id`,
      )
    ).rows.map((row) => row.name);

  it("runs a migration statement longer than the pool's statement and query timeouts", async () => {
    const schema = newSchema();
    const retried: unknown[] = [];

    const database = await open({
      url: databaseUrl(),
      schema,
      migrations: [SlowMigration1766000000100],
      timeouts: SHORT_TIMEOUTS,
      waitForDatabaseMs: 3_000,
      onRetry: (error) => retried.push(error),
    });

    expect(retried).toEqual([]);
    expect(await appliedIn(schema)).toEqual([
      'ParticipantIdempotency1764633600000',
      'ParticipantIdempotencyRetention1764900000000',
      'SlowMigration1766000000100',
    ]);
    // The pool it resolves with keeps the limits it was given.
    expect(await database.query(`SHOW statement_timeout`)).toEqual([
      { statement_timeout: '100ms' },
    ]);
  });

  it("waits a second for a table lock, not the pool's lock timeout, unless told otherwise", async () => {
    const longLocks = { ...DEFAULT_DATABASE_TIMEOUTS, lockTimeoutMs: 60_000 };
    const probe = { url: databaseUrl(), migrations: [LockTimeoutProbe1766000000300] };

    await open({ ...probe, schema: newSchema(), timeouts: longLocks });
    await open({ ...probe, schema: newSchema(), timeouts: longLocks, migrationLockTimeoutMs: 0 });

    expect(lockTimeoutsSeen).toEqual(['1s', '0']);
  });

  it('does not try a cancelled migration statement again, and applies nothing', async () => {
    const schema = newSchema();
    const retried: unknown[] = [];

    await expect(
      open({
        url: databaseUrl(),
        schema,
        migrations: [CancelledMigration1766000000200],
        waitForDatabaseMs: 3_000,
        onRetry: (error) => retried.push(error),
      }),
    ).rejects.toMatchObject({
      name: 'MigrationCancelledError',
      nonRetryable: true,
      message: expect.stringContaining('a migration statement was cancelled'),
    });

    expect(retried).toEqual([]);
    expect(await appliedIn(schema)).toEqual([]);
  });

  it('opens a schema not made yet from several instances at once, each migration applied once', async () => {
    const schema = newSchema();
    const instances = 3;

    const outcomes = await Promise.allSettled(
      Array.from({ length: instances }, () =>
        open({ url: databaseUrl(), schema, migrations: [SlowMigration1766000000100] }),
      ),
    );

    expect(outcomes.map((outcome) => outcome.status)).toEqual(
      Array.from({ length: instances }, () => 'fulfilled'),
    );
    expect(await appliedIn(schema)).toEqual([
      'ParticipantIdempotency1764633600000',
      'ParticipantIdempotencyRetention1764900000000',
      'SlowMigration1766000000100',
    ]);
  });
});
