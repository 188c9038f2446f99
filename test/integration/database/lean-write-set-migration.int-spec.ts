// The migration to a leaner write set (LeanWriteSet) on the real Postgres, applied to a schema
// of the previous version with a saga in flight: its row, timer and audit stay as they were,
// the sagas' pages keep half their room for updates, the timers' foreign key and the audit's
// primary key go, and `down` brings them back.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { LeanWriteSet1765400000000 } from '../../../apps/coordinator/src/persistence/migrations/1765400000000-lean-write-set.js';
import {
  atTheReleaseBefore,
  createEmptySchema,
  dropSchemaOf,
} from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';

describe('the migration to a leaner write set, with a saga in flight', () => {
  const schema = uniqueName('it_lean_write_set');
  let dataSource: DataSource | undefined;

  beforeAll(() => createEmptySchema(schema));

  afterAll(async () => {
    await dropSchemaOf(dataSource, schema);
  });

  const query = <T>(text: string, parameters: unknown[] = []) =>
    dataSource!.query<T[]>(text, parameters);
  const constraints = async () =>
    (
      await query<{ conname: string }>(
        `SELECT c.conname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
         WHERE n.nspname = $1 AND c.conrelid::regclass::text IN ('timers', 'saga_audit')
         ORDER BY 1`,
        [schema],
      )
    ).map((row) => row.conname);
  const fillfactor = async () =>
    (
      await query<{ reloptions: string[] | null }>(
        `SELECT c.reloptions FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = $1 AND c.relname = 'sagas'`,
        [schema],
      )
    )[0]?.reloptions;

  it('keeps what is in flight, and undoes itself', async () => {
    dataSource = await atTheReleaseBefore(schema, LeanWriteSet1765400000000);
    // The previous version, with a saga in flight: its row, its reply timeout, its audit.
    const sagaId = randomUUID();
    await query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1, 'order', 1, 'running', $2, '{"steps": {}}')`,
      [sagaId, sagaId],
    );
    await query(
      `INSERT INTO timers (id, saga_id, due_at, wakeup) VALUES ($1, $2, now() + interval '1 hour', $3)`,
      [`${sagaId}:deadline`, sagaId, JSON.stringify({ kind: 'deadline' })],
    );
    await query(
      `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail)
       VALUES ($1, now(), 'start', 'running', true, '')`,
      [sagaId],
    );
    expect(await constraints()).toEqual(['saga_audit_pkey', 'timers_pkey', 'timers_saga_id_fkey']);

    const applied = await dataSource.runMigrations({ transaction: 'all' });

    expect(applied.map((migration) => migration.name)).toEqual(['LeanWriteSet1765400000000']);
    expect(await fillfactor()).toEqual(['fillfactor=50']);
    expect(await constraints()).toEqual(['timers_pkey']);
    const [kept] = await query<{ timers: number; audit: number; status: string }>(
      `SELECT (SELECT count(*)::int FROM timers WHERE saga_id = $1) AS timers,
         (SELECT count(*)::int FROM saga_audit WHERE saga_id = $1) AS audit,
         (SELECT status FROM sagas WHERE id = $1) AS status`,
      [sagaId],
    );
    expect(kept).toEqual({ timers: 1, audit: 1, status: 'running' });
    // A timer of a saga that is gone no longer fails its insert (decisions check the saga's
    // version instead); `down` removes it before the key comes back.
    const gone = randomUUID();
    await query(`INSERT INTO timers (id, saga_id, due_at, wakeup) VALUES ($1, $2, now(), $3)`, [
      `${gone}:deadline`,
      gone,
      JSON.stringify({ kind: 'deadline' }),
    ]);

    await dataSource.undoLastMigration({ transaction: 'all' });

    expect(await fillfactor()).toEqual(['fillfactor=80']);
    expect(await constraints()).toEqual(['saga_audit_pkey', 'timers_pkey', 'timers_saga_id_fkey']);
    const timers = await query<{ saga_id: string }>(`SELECT saga_id FROM timers`);
    expect(timers).toEqual([{ saga_id: sagaId }]);
  });
});
