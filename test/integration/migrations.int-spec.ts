// Runs the coordinator's TypeORM migrations on the real Postgres, in a schema of its own.
import { quoteIdentifier } from '#postgres';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '../../apps/coordinator/src/persistence/data-source-options.js';
import { databaseUrl, uniqueName } from '../support/services.js';

describe('the coordinator schema migrations on the real Postgres', () => {
  const schema = uniqueName('it_migrations');
  let dataSource: DataSource;

  beforeAll(async () => {
    const admin = new Client({ connectionString: databaseUrl() });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await admin.end();
    dataSource = new DataSource(
      postgresDataSourceOptions({ url: databaseUrl(), schema, poolSize: 2 }),
    );
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
    await dataSource.destroy();
  });

  it('applies every migration to a fresh schema, then finds nothing left to apply', async () => {
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    expect(applied.map((migration) => migration.name)).toEqual([
      'InitialSchema1764374400000',
      'SagaTraceContext1764460800000',
      'DeadLetters1764633600000',
      'Resilience1764720000000',
      'ReplyTimerCommand1764800000000',
      'DeadLetterEscapedText1764806400003',
      'SetAsideAndRetention1764900000000',
      'StateInOneRow1765000000000',
      'RegisteredDefinitions1765100000000',
      'RetiredVersions1765100000001',
      'BulkOperations1765200000000',
      'DecisionVersionCheck1765300000000',
      'LeanWriteSet1765400000000',
      'CompactOutboxHeaders1765400000001',
      'TimersInSagaRow1765500000000',
      'AuditPartitions1765600000000',
      'HeldCommandsSagaIndex1765700000000',
      'OutboxSetAsideRetries1765700000001',
      'OutboxFirstFailedAt1765710000000',
      'BreakerLogRetention1765720000000',
      'DeadLetterBytesReplaced1765730000000',
    ]);
    expect(await dataSource.showMigrations()).toBe(false);
    const tables = await dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name`,
      [schema],
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'bulk_operation_targets',
        'bulk_operations',
        'dead_letters',
        'held_commands',
        'outbox',
        'participant_breaker_log',
        'saga_audit',
        'saga_steps',
        'sagas',
        'timers',
      ]),
    );
  });

  it('round-trips a saga row with its JSON state', async () => {
    const id = randomUUID();
    const state = { status: 'running', context: { orderId: 'o-1', amount: 42.5 }, steps: {} };
    await dataSource.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1, 'order', 1, 'running', 'key-1', $2)`,
      [id, JSON.stringify(state)],
    );
    const [row] = await dataSource.query<{ state: unknown; row_version: number }[]>(
      `SELECT state, row_version FROM sagas WHERE id = $1`,
      [id],
    );
    expect(row).toEqual({ state, row_version: 1 });
  });

  it('refuses a second saga with the same type and idempotency key', async () => {
    const insert = (id: string) =>
      dataSource.query(
        `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
         VALUES ($1, 'order', 1, 'running', 'same-key', '{}')`,
        [id],
      );
    await insert(randomUUID());
    await expect(insert(randomUUID())).rejects.toThrow(/sagas_idempotency_key_unique/);
  });

  it('keeps the audit log append-only', async () => {
    await dataSource.query(
      `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail)
       VALUES ($1, now(), 'start', 'running', true, 'started')`,
      [randomUUID()],
    );
    await expect(dataSource.query(`UPDATE saga_audit SET actor = 'mallory'`)).rejects.toThrow(
      /append-only/,
    );
    await expect(dataSource.query(`DELETE FROM saga_audit`)).rejects.toThrow(/append-only/);
  });
});
