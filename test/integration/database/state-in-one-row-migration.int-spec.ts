// The migration to one row per saga (StateInOneRow) on the real Postgres, applied to a schema
// of the previous version with sagas in flight: each saga's `awaiting` is filled from its step
// rows, the index that kept updates from being HOT goes, and `down` restores it.
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '../../../apps/coordinator/src/persistence/data-source-options.js';
import { coordinatorMigrations } from '../../../apps/coordinator/src/persistence/migrations/index.js';
import { StateInOneRow1765000000000 } from '../../../apps/coordinator/src/persistence/migrations/1765000000000-state-in-one-row.js';
import { capacityCounts } from '../../../apps/coordinator/src/resilience/held-commands.js';
import { createEmptySchema, dropSchemaOf } from '../../support/migrated-schema.js';
import { databaseUrl, uniqueName } from '../../support/services.js';

describe('the migration to one row per saga, with sagas in flight', () => {
  const schema = uniqueName('it_one_row');
  const upToThis = coordinatorMigrations.indexOf(StateInOneRow1765000000000);
  const connect = async (migrations: typeof coordinatorMigrations) => {
    const dataSource = new DataSource({
      ...postgresDataSourceOptions({ url: databaseUrl(), schema, poolSize: 2 }),
      migrations,
    });
    await dataSource.initialize();
    return dataSource;
  };
  let previous: DataSource | undefined;
  let dataSource: DataSource | undefined;

  beforeAll(() => createEmptySchema(schema));

  afterAll(async () => {
    if (previous?.isInitialized) await previous.destroy();
    await dropSchemaOf(dataSource, schema);
  });

  it('fills awaiting from the step rows of the sagas not ended and drops the updated index', async () => {
    previous = await connect(coordinatorMigrations.slice(0, upToThis));
    await previous.runMigrations({ transaction: 'all' });
    const saga = async (status: string, steps: [string, string, string][]) => {
      const id = randomUUID();
      await previous!.query(
        `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
         VALUES ($1, 'order', 1, $2, $3, '{"steps": {}}')`,
        [id, status, id],
      );
      for (const [stepId, participant, stepStatus] of steps) {
        await previous!.query(
          `INSERT INTO saga_steps (saga_id, step_id, participant, status, attempt)
           VALUES ($1, $2, $3, $4, 1)`,
          [id, stepId, participant, stepStatus],
        );
      }
      return id;
    };
    const running = await saga('running', [
      ['a-reserve', 'inventory', 'succeeded'],
      ['b-authorize', 'payment', 'running'],
      ['c-notify', 'notification', 'running'],
    ]);
    const compensating = await saga('compensating', [['a-reserve', 'inventory', 'compensating']]);
    // Stuck behind a command that could not be sent: its step in flight was still sent.
    const stuck = await saga('stuck', [['d-ship', 'shipping', 'running']]);
    const completed = await saga('completed', [['a-reserve', 'inventory', 'succeeded']]);
    await previous.destroy();

    // Up to this migration: undoing the last one undoes this one.
    dataSource = await connect(coordinatorMigrations.slice(0, upToThis + 1));
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    expect(applied.map((migration) => migration.name)).toEqual(['StateInOneRow1765000000000']);

    const awaiting = async () =>
      Object.fromEntries(
        (
          await dataSource!.query<{ id: string; awaiting: string[] }[]>(
            `SELECT id, awaiting FROM sagas`,
          )
        ).map((row) => [row.id, row.awaiting]),
      );
    expect(await awaiting()).toEqual({
      [running]: ['payment', 'notification'],
      [compensating]: ['inventory'],
      [stuck]: ['shipping'],
      [completed]: [],
    });
    // The load per participant reads them: every saga not ended, one per step in flight.
    const { loads, sagasInFlight } = await capacityCounts({
      query: (text, parameters) => dataSource!.query(text, parameters),
    });
    expect(sagasInFlight).toBe(2); // the running and the compensating one; not the stuck one
    expect(Object.fromEntries(loads)).toEqual({
      payment: { inFlight: 1, held: 0 },
      notification: { inFlight: 1, held: 0 },
      inventory: { inFlight: 1, held: 0 },
      shipping: { inFlight: 1, held: 0 },
    });
    const indexes = async () =>
      (
        await dataSource!.query<{ indexname: string }[]>(
          `SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND tablename = 'sagas'`,
          [schema],
        )
      ).map((row) => row.indexname);
    expect(await indexes()).not.toContain('sagas_status_updated_idx');
    const [options] = await dataSource.query<{ reloptions: string[] | null }[]>(
      `SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND c.relname = 'sagas'`,
      [schema],
    );
    expect(options?.reloptions).toEqual(['fillfactor=80']);

    await dataSource.undoLastMigration({ transaction: 'all' });
    expect(await indexes()).toContain('sagas_status_updated_idx');
    const columns = await dataSource.query<{ column_name: string }[]>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'sagas'`,
      [schema],
    );
    expect(columns.map((row) => row.column_name)).not.toContain('awaiting');
  });
});
