// Migration 1764900000000 (set-aside outbox rows, retention of the audit) applied on the real
// Postgres to a schema that already holds a saga in flight: its rows stay as they were, its
// unsent outbox rows are still to be sent, and its audit is still append-only.
import { quoteIdentifier } from '#postgres';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { postgresDataSourceOptions } from '../../../apps/coordinator/src/persistence/data-source-options.js';
import { coordinatorMigrations } from '../../../apps/coordinator/src/persistence/migrations/index.js';
import { databaseUrl, uniqueName } from '../../support/services.js';

describe('the set-aside and retention migration on a schema with a saga in flight', () => {
  const schema = uniqueName('it_migration_retention');
  const options = () => postgresDataSourceOptions({ url: databaseUrl(), schema, poolSize: 2 });
  let before: DataSource;
  let after: DataSource;

  beforeAll(async () => {
    before = new DataSource({
      ...options(),
      migrations: coordinatorMigrations.filter(
        (migration) => migration.name !== 'SetAsideAndRetention1764900000000',
      ),
    });
    await before.initialize();
    await before.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await before.runMigrations({ transaction: 'all' });
  });

  afterAll(async () => {
    await after?.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
    await after?.destroy();
    if (before.isInitialized) await before.destroy();
  });

  it('keeps the saga, its unsent outbox rows and its append-only audit', async () => {
    const sagaId = randomUUID();
    await before.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1, 'order', 1, 'running', 'in-flight', '{"status":"running"}')`,
      [sagaId],
    );
    await before.query(
      `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail)
       VALUES ($1, now(), 'start', 'running', true, 'started')`,
      [sagaId],
    );
    await before.query(
      `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload)
       VALUES ($1, 3, 'inventory.commands', $2, '{}', '{"n":1}')`,
      [sagaId, sagaId],
    );
    await before.destroy();

    after = new DataSource(options());
    await after.initialize();
    const applied = await after.runMigrations({ transaction: 'all' });
    expect(applied.map((migration) => migration.name)).toEqual([
      'SetAsideAndRetention1764900000000',
    ]);

    expect(
      await after.query(`SELECT sent_at, set_aside_at, set_aside_reason, payload FROM outbox`),
    ).toEqual([{ sent_at: null, set_aside_at: null, set_aside_reason: null, payload: { n: 1 } }]);
    expect(await after.query(`SELECT status FROM sagas WHERE id = $1`, [sagaId])).toEqual([
      { status: 'running' },
    ]);
    await expect(after.query(`DELETE FROM saga_audit`)).rejects.toThrow(/append-only/);
    await expect(
      after.transaction(async (manager) => {
        await manager.query(`SET LOCAL saga.retention = 'on'`);
        await manager.query(`DELETE FROM saga_audit WHERE saga_id = $1`, [sagaId]);
      }),
    ).rejects.toThrow(/append-only/);
    // Once the saga is gone, the retention transaction (and only it) may delete its audit.
    await after.query(`DELETE FROM sagas WHERE id = $1`, [sagaId]);
    await expect(after.query(`DELETE FROM saga_audit`)).rejects.toThrow(/append-only/);
    await after.transaction(async (manager) => {
      await manager.query(`SET LOCAL saga.retention = 'on'`);
      await manager.query(`DELETE FROM saga_audit WHERE saga_id = $1`, [sagaId]);
    });
    expect(await after.query(`SELECT id FROM saga_audit`)).toEqual([]);
  });
});
