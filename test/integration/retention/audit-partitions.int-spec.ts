// The audit log's partitions on the real Postgres (apps/coordinator/src/retention/audit-
// partitions.ts), driven through the coordinator's retention tasks with runOnce(): periods made
// ahead of the clock, a period dropped whole once older than the sagas are kept, the lines of
// the sagas still there carried out of it first (ids, and so the order of a saga's log, kept),
// and a drop that cannot get its lock giving up without a trace. On Postgres and on PGlite
// (the embedded mode), but for the locks, which need a second connection.
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { RetentionLoop, type Database } from '#postgres';
import { PostgresSagaAudit } from '../../../apps/coordinator/src/persistence/saga-audit.postgres.js';
import {
  attachAuditPeriod,
  auditPartitionTasks,
  auditPeriods,
} from '../../../apps/coordinator/src/retention/audit-partitions.js';
import { coordinatorPurgeTasks } from '../../../apps/coordinator/src/retention/coordinator-purge-tasks.js';
import { databaseUrl } from '../../support/services.js';
import {
  migratedDatabases,
  migratedOnPostgres,
  type MigratedDatabase,
} from '../../support/migrated-schema.js';

const HOUR = 3_600_000;

/** The tests' reads and writes, on the database `db` gives. */
function helpersOn(db: () => Database) {
  const partitioning = { periodMs: HOUR, roundIntervalMs: 60_000 };
  /** The coordinator's retention with hourly periods and sagas kept two hours. */
  const retention = (lockTimeoutMs?: number) =>
    new RetentionLoop(
      db(),
      coordinatorPurgeTasks(
        { sagaMs: 2 * HOUR, deadLetterMs: HOUR, outboxMs: HOUR },
        { ...partitioning, lockTimeoutMs },
      ),
      { lockNamespace: 7 },
    );
  /** The audit's drop task alone, waiting `dropLockTimeoutMs` for the table. */
  const dropping = (dropLockTimeoutMs: number) =>
    new RetentionLoop(
      db(),
      [
        auditPartitionTasks({ ...partitioning, sagaRetentionMs: 2 * HOUR, dropLockTimeoutMs })
          .dropped,
      ],
      { lockNamespace: 8 },
    );
  const databaseNow = async () =>
    Number(
      (
        await db().query<{ now: string }>(
          `SELECT (extract(epoch FROM now()) * 1000)::bigint::text AS now`,
        )
      )[0]!.now,
    );
  /** A saga created at `createdMs` (now when not given). */
  const insertSaga = async (status: string, createdMs?: number) => {
    const sagaId = randomUUID();
    await db().query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state, created_at)
       VALUES ($1, 'order', 1, $2, $3, '{"steps": {}}',
         coalesce(to_timestamp($4::float8 / 1000), now()))`,
      [sagaId, status, sagaId, createdMs ?? null],
    );
    return sagaId;
  };
  /** An audit line as a decision writes it, filed at `filedMs` (now when not given). */
  const appendLine = async (sagaId: string, detail: string, filedMs?: number) =>
    (
      await db().query<{ id: string; partition: string }>(
        `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail, filed_at)
         VALUES ($1, now(), 'reply', 'running', true, $2,
           coalesce(to_timestamp($3::float8 / 1000), now()))
         RETURNING id::text, tableoid::regclass::text AS partition`,
        [sagaId, detail, filedMs ?? null],
      )
    )[0]!;
  const linesIn = async (partition: string, sagaId: string) =>
    (
      await db().query<{ id: string; detail: string }>(
        `SELECT id::text, detail FROM ${partition} WHERE saga_id = $1 ORDER BY id`,
        [sagaId],
      )
    ).map(({ id, detail }) => `${id}:${detail}`);
  const tableExists = async (name: string) =>
    (
      await db().query<{ found: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS found`, [name])
    )[0]!.found;
  return { retention, dropping, databaseNow, insertSaga, appendLine, linesIn, tableExists };
}

describe.each(migratedDatabases('it_audit_partitions'))(
  'the audit log by partition, on %s',
  (_name, open) => {
    let subject: MigratedDatabase;
    let database: Database;

    beforeAll(async () => {
      subject = await open();
      database = subject.database;
    });
    afterAll(async () => {
      await subject?.dispose();
    });

    const { retention, databaseNow, insertSaga, appendLine, linesIn, tableExists } = helpersOn(
      () => database,
    );

    it('makes the coming periods ahead of the clock, one after the other, cut on the hour', async () => {
      const now = await databaseNow();
      const made = (await retention().runOnce()).auditPeriodsMade;

      const periods = await auditPeriods(database);
      expect(periods).toHaveLength(made!);
      expect(periods[0]!.fromMs).toBeGreaterThanOrEqual(now + 60_000);
      for (const [index, period] of periods.entries()) {
        if (index > 0) expect(period.fromMs).toBe(periods[index - 1]!.toMs);
        expect(period.toMs % HOUR).toBe(0);
      }
      expect(periods.at(-1)!.toMs).toBeGreaterThanOrEqual(now + 2 * HOUR + 60_000);
      // A line filed in a period's time lands in its partition, one filed where no period is in
      // the default one.
      const sagaId = await insertSaga('running');
      expect((await appendLine(sagaId, 'later', periods[1]!.fromMs + 1)).partition).toBe(
        periods[1]!.name,
      );
      expect((await appendLine(sagaId, 'unfiled', Date.UTC(2000, 0, 1))).partition).toBe(
        'saga_audit_unfiled',
      );
      // The next round finds them there and goes on from the last (if the clock moved past a
      // period's end meanwhile).
      const next = (await retention().runOnce()).auditPeriodsMade!;
      const after = await auditPeriods(database);
      expect(after.slice(0, periods.length)).toEqual(periods);
      expect(after).toHaveLength(periods.length + next);
    });

    it('drops a period once it ended longer ago than sagas are kept, after carrying out the lines of the sagas still there', async () => {
      const hour = Math.floor((await databaseNow()) / HOUR) * HOUR;
      const expired = await attachAuditPeriod(database, hour - 5 * HOUR, hour - 4 * HOUR);
      const recent = await attachAuditPeriod(database, hour - HOUR, hour);
      const live = await insertSaga('running', hour - 5 * HOUR);
      const finished = await insertSaga('completed', hour - 5 * HOUR);
      const gone = randomUUID(); // deleted by the saga retention already
      const first = await appendLine(live, 'started', hour - 5 * HOUR + 1000);
      await appendLine(finished, 'completed', hour - 5 * HOUR + 2000);
      await appendLine(gone, 'completed', hour - 5 * HOUR + 3000);
      const second = await appendLine(live, 'step done', hour - HOUR + 1000);
      const third = await appendLine(live, 'step done');

      expect((await retention().runOnce()).auditPeriodsDropped).toBe(1);

      expect(await tableExists(expired)).toBe(false);
      expect(await tableExists(recent)).toBe(true);
      expect(await linesIn('saga_audit_kept', live)).toEqual([`${first.id}:started`]);
      expect(await linesIn('saga_audit_kept', finished)).toHaveLength(1);
      expect(await linesIn('saga_audit', gone)).toEqual([]);
      // The saga's log reads on across its partitions, in the order it was written.
      const page = await new PostgresSagaAudit(database).page(live, 10);
      expect(page!.items.map(({ seq, detail }) => `${seq}:${detail}`)).toEqual([
        `${first.id}:started`,
        `${second.id}:step done`,
        `${third.id}:step done`,
      ]);
      // A carried line is still append-only.
      await expect(
        database.query(`DELETE FROM saga_audit WHERE saga_id = $1`, [live]),
      ).rejects.toThrow(/saga_audit is append-only/);
    });

    it('deletes the carried lines of a saga with it, row by row', async () => {
      const hour = Math.floor((await databaseNow()) / HOUR) * HOUR;
      const saga = await insertSaga('completed', hour - 9 * HOUR);
      await attachAuditPeriod(database, hour - 9 * HOUR, hour - 8 * HOUR);
      await appendLine(saga, 'completed', hour - 9 * HOUR + 1000);
      await retention().runOnce();
      expect(await linesIn('saga_audit_kept', saga)).toHaveLength(1);

      await database.query(
        `UPDATE sagas SET updated_at = now() - interval '3 hours', created_at = now() - interval '3 hours' WHERE id = $1`,
        [saga],
      );
      expect((await retention().runOnce()).sagas).toBe(1);

      expect(await linesIn('saga_audit', saga)).toEqual([]);
    });
  },
);

describe('the audit log by partition, with another transaction in the way', () => {
  let subject: MigratedDatabase;
  let database: Database;
  const { retention, dropping, databaseNow, insertSaga, appendLine, linesIn, tableExists } =
    helpersOn(() => database);

  beforeAll(async () => {
    subject = await migratedOnPostgres('it_audit_partitions');
    database = subject.database;
  });
  afterAll(async () => {
    await subject?.dispose();
  });

  let other: Client;
  beforeEach(async () => {
    other = new Client({ connectionString: databaseUrl() });
    await other.connect();
    await other.query(`SET search_path TO "${subject.schema}"`);
  });
  afterEach(async () => {
    await other.end();
  });

  /** Resolves once a statement carrying lines waits for a lock, or `round` has ended. */
  const waitUntilTheCarryWaits = async (round: Promise<unknown>) => {
    let ended = false;
    void round.finally(() => (ended = true)).catch(() => undefined);
    while (!ended) {
      const [row] = await database.query<{ waiting: number }>(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND datname = current_database()
           AND query LIKE 'INSERT INTO saga_audit_kept%'`,
      );
      if (row!.waiting > 0) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };

  it('gives the drop up, carrying nothing, when a reader holds the table past the lock timeout', async () => {
    const hour = Math.floor((await databaseNow()) / HOUR) * HOUR;
    const expired = await attachAuditPeriod(database, hour - 12 * HOUR, hour - 11 * HOUR);
    const live = await insertSaga('running', hour - 12 * HOUR);
    await appendLine(live, 'started', hour - 12 * HOUR + 1000);
    await other.query(`BEGIN`);
    await other.query(`SELECT count(*) FROM saga_audit WHERE saga_id = $1`, [live]);

    await expect(dropping(50).runOnce()).rejects.toThrow(/lock timeout/);
    expect(await tableExists(expired)).toBe(true);
    expect(await linesIn('saga_audit_kept', live)).toEqual([]);

    await other.query(`COMMIT`);
    expect((await retention().runOnce()).auditPeriodsDropped).toBe(1);
    expect(await linesIn('saga_audit_kept', live)).toHaveLength(1);
  });

  it('carries nothing of a saga deleted while it waited for that saga', async () => {
    const hour = Math.floor((await databaseNow()) / HOUR) * HOUR;
    await attachAuditPeriod(database, hour - 15 * HOUR, hour - 14 * HOUR);
    const saga = await insertSaga('completed', hour - 15 * HOUR);
    await appendLine(saga, 'completed', hour - 15 * HOUR + 1000);
    // The saga retention, mid-transaction: the saga locked and deleted, its lines next.
    await other.query(`BEGIN`);
    await other.query(`SELECT id FROM sagas WHERE id = $1 FOR UPDATE`, [saga]);
    await other.query(`DELETE FROM sagas WHERE id = $1`, [saga]);

    const round = retention(120_000).runOnce();
    // (A carry that did not wait for the saga would end the round first, and fail below.)
    await waitUntilTheCarryWaits(round);
    await other.query(`COMMIT`);

    expect((await round).auditPeriodsDropped).toBe(1);
    expect(await linesIn('saga_audit', saga)).toEqual([]);
  });
});
