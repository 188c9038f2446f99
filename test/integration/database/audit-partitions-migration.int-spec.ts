// The migration of the audit log to partitions (AuditPartitions) on the real Postgres, applied
// to a schema of the previous release with history in it: the lines written before stay in the
// legacy table and are read along with the new ones (ids and order kept), the previous
// release's own prepared insert goes on working during the roll, the log stays append-only in
// both tables and every partition, and `down` puts every line back into one plain table.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { AuditPartitions1765600000000 } from '../../../apps/coordinator/src/persistence/migrations/1765600000000-audit-partitions.js';
import { PostgresSagaAudit } from '../../../apps/coordinator/src/persistence/saga-audit.postgres.js';
import { attachAuditPeriod } from '../../../apps/coordinator/src/retention/audit-partitions.js';
import { PoolDatabase, quoteIdentifier } from '#postgres';
import {
  atTheReleaseBefore,
  createEmptySchema,
  dropSchemaOf,
} from '../../support/migrated-schema.js';
import { databaseUrl, uniqueName } from '../../support/services.js';

describe('the migration of the audit log to partitions, with history in it', () => {
  const schema = uniqueName('it_audit_migration');
  let dataSource: DataSource | undefined;
  /** A connection of the previous release, with its insert prepared before the migration. */
  let previous: Client | undefined;
  /** Where this release reads the log from. */
  let reader: PoolDatabase | undefined;

  beforeAll(() => createEmptySchema(schema));

  afterAll(async () => {
    await reader?.close();
    await previous?.end();
    await dropSchemaOf(dataSource, schema);
  });

  const query = <T>(text: string, parameters: unknown[] = []) =>
    dataSource!.query<T[]>(text, parameters);
  /** An audit line as the previous release writes it (a named, so prepared, statement). */
  const appendAsPrevious = async (sagaId: string, detail: string) =>
    (
      await previous!.query<{ id: string }>({
        name: 'previous-release-audit',
        text: `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail)
               VALUES ($1, now(), 'reply', 'running', true, $2) RETURNING id::text`,
        values: [sagaId, detail],
      })
    ).rows[0]!.id;
  /** The saga's log as the API reads it (the saga must exist). */
  const linesOf = async (sagaId: string) =>
    (await new PostgresSagaAudit(reader!).page(sagaId, 100))!.items.map(
      ({ seq, detail }) => `${seq}:${detail}`,
    );
  /** The saga's log in the one table of the previous release. */
  const plainLinesOf = async (sagaId: string) =>
    (
      await query<{ line: string }>(
        `SELECT id::text || ':' || detail AS line FROM saga_audit WHERE saga_id = $1 ORDER BY id`,
        [sagaId],
      )
    ).map(({ line }) => line);
  const partitionOf = async (id: string) =>
    (
      await query<{ partition: string }>(
        `SELECT tableoid::regclass::text AS partition FROM saga_audit WHERE id = $1`,
        [id],
      )
    )[0]?.partition;
  const kindOf = async (table: string) =>
    (
      await query<{ kind: string }>(
        `SELECT relkind::text AS kind FROM pg_class WHERE oid = $1::regclass`,
        [table],
      )
    )[0]!.kind;

  it('keeps the lines, lets the previous release write on, and undoes itself', async () => {
    dataSource = await atTheReleaseBefore(schema, AuditPartitions1765600000000);
    previous = new Client({ connectionString: databaseUrl() });
    await previous.connect();
    await previous.query(`SET search_path TO ${quoteIdentifier(schema)}`);
    const sagaId = randomUUID();
    await query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1, 'order', 1, 'running', $2, '{"steps": {}}')`,
      [sagaId, sagaId],
    );
    const before = [
      await appendAsPrevious(sagaId, 'started'),
      await appendAsPrevious(sagaId, 'step done'),
    ];

    const applied = await dataSource.runMigrations({ transaction: 'all' });
    reader = PoolDatabase.connect({ url: databaseUrl(), schema, poolSize: 1 });

    expect(applied.map((migration) => migration.name)).toEqual(['AuditPartitions1765600000000']);
    expect(await kindOf('saga_audit')).toBe('p');
    expect(await kindOf('saga_audit_legacy')).toBe('r');
    const legacy = await query<{ id: string }>(
      `SELECT id::text FROM saga_audit_legacy WHERE saga_id = $1 ORDER BY id`,
      [sagaId],
    );
    expect(legacy.map(({ id }) => id)).toEqual(before);
    // The previous release's prepared insert, during the roll: the numbering goes on.
    const during = await appendAsPrevious(sagaId, 'step done again');
    expect(BigInt(during)).toBeGreaterThan(BigInt(before[1]!));
    expect(await partitionOf(during)).toBe('saga_audit_unfiled');
    const period = await attachAuditPeriod(dataSource, Date.UTC(2099, 0, 1), Date.UTC(2099, 0, 2));
    const [later] = await query<{ id: string }>(
      `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail, filed_at)
       VALUES ($1, now(), 'reply', 'completed', true, 'completed', '2099-01-01 12:00+00')
       RETURNING id::text`,
      [sagaId],
    );
    expect(await linesOf(sagaId)).toEqual([
      `${before[0]}:started`,
      `${before[1]}:step done`,
      `${during}:step done again`,
      `${later!.id}:completed`,
    ]);
    expect(await partitionOf(later!.id)).toBe(period);
    // Append-only in every table holding a line of it.
    for (const table of ['saga_audit', 'saga_audit_unfiled', period, 'saga_audit_legacy']) {
      await expect(query(`DELETE FROM ${table} WHERE saga_id = $1`, [sagaId])).rejects.toThrow(
        /saga_audit is append-only/,
      );
      await expect(
        query(`UPDATE ${table} SET detail = 'forged' WHERE saga_id = $1`, [sagaId]),
      ).rejects.toThrow(/saga_audit is append-only/);
    }

    await dataSource.undoLastMigration({ transaction: 'all' });

    expect(await kindOf('saga_audit')).toBe('r');
    expect(await query(`SELECT to_regclass('saga_audit_legacy') AS found`)).toEqual([
      { found: null },
    ]);
    expect(await plainLinesOf(sagaId)).toEqual([
      `${before[0]}:started`,
      `${before[1]}:step done`,
      `${during}:step done again`,
      `${later!.id}:completed`,
    ]);
    await expect(query(`DELETE FROM saga_audit WHERE saga_id = $1`, [sagaId])).rejects.toThrow(
      /saga_audit is append-only/,
    );
    await appendAsPrevious(sagaId, 'after the undo');
    expect(await plainLinesOf(sagaId)).toHaveLength(5);
  });
});
