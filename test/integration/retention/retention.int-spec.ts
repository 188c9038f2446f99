// Retention on the real Kafka and Postgres (issue 14, item 8): the coordinator's job deletes
// finished sagas past their period with their steps, timers and audit, old dead
// letters and sent outbox rows, in small batches, and keeps live and recent ones; the audit
// stays append-only for every saga still there. The participant kit's job expires answered
// idempotency records. Periods are short (config) and rows are aged in SQL; the jobs are driven
// with runOnce().
import { randomUUID } from 'node:crypto';
import type { CommandMessage, ReplyOutcome } from '#contracts';
import type { Database } from '#postgres';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  idempotencyRetention,
  openParticipantDatabase,
  PostgresIdempotencyStore,
  quoteIdentifier,
} from '#saga-participant';
import {
  createEnvironment,
  startCoordinator,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { ScriptedParticipants, succeed } from '../../support/scripted-participants.js';
import { databaseUrl, uniqueName } from '../../support/services.js';
import { orderInput } from '../../support/saga-load.js';

describe('retention on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let runtime: CoordinatorRuntime;
  let participants: ScriptedParticipants;
  const unanswered = new Set<string>();
  const script = (command: CommandMessage): ReplyOutcome | undefined =>
    unanswered.has((command.payload as { orderId?: string }).orderId ?? '')
      ? undefined
      : succeed(command);

  beforeAll(async () => {
    environment = await createEnvironment('it_retention');
    runtime = await startCoordinator(environment, {
      SAGA_RETENTION_MS: '60000',
      DEAD_LETTER_RETENTION_MS: '60000',
      OUTBOX_RETENTION_MS: '60000',
      RETENTION_INTERVAL_MS: '3600000',
      RETENTION_BATCH_SIZE: '2',
      RETENTION_BATCH_PAUSE_MS: '0',
    });
    participants = await ScriptedParticipants.start(environment, { script });
  });

  afterAll(async () => {
    await participants?.stop();
    await runtime?.stop();
    await environment?.dispose();
  });

  const start = async (key: string) =>
    (
      await runtime.decisions.start({
        sagaType: 'order',
        idempotencyKey: key,
        input: orderInput(key),
      })
    ).sagaId;
  const countOf = async (table: string, sagaId: string) =>
    Number(
      (
        await environment.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM ${table} WHERE saga_id = $1`,
          [sagaId],
        )
      )[0]!.n,
    );
  /**
   * A saga's audit lines deleted row by row with it: all but those in a period's partition,
   * which go with it (test/integration/retention/audit-partitions.int-spec.ts).
   */
  const rowByRowLinesOf = async (sagaId: string) =>
    Number(
      (
        await environment.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM (
             SELECT tableoid::regclass::text AS home FROM saga_audit WHERE saga_id = $1
             UNION ALL SELECT 'legacy' FROM saga_audit_legacy WHERE saga_id = $1) lines
           WHERE home !~ '^saga_audit_p[0-9]'`,
          [sagaId],
        )
      )[0]!.n,
    );
  /** Ages a saga's row and history by two hours. */
  const age = async (sagaId: string) => {
    await environment.db.query(
      `UPDATE sagas SET updated_at = now() - interval '2 hours', created_at = now() - interval '2 hours' WHERE id = $1`,
      [sagaId],
    );
  };

  it('deletes expired finished sagas with their audit and timers, and keeps live and recent ones', async () => {
    const expired = await Promise.all(['old-1', 'old-2', 'old-3'].map(start));
    const recent = await start('recent-1');
    unanswered.add('live-1');
    const live = await start('live-1');
    await waitForSagas(environment.db, [...expired, recent], ['completed']);
    await participants.waitForCommand({ sagaId: live });
    for (const sagaId of [...expired, live]) await age(sagaId);
    expect(await countOf('saga_audit', expired[0]!)).toBeGreaterThan(1);
    // A line of each that is deleted row by row whenever its decisions were written: one left
    // by the previous release, one filed where no period's partition is.
    for (const sagaId of expired) {
      await environment.db.query(
        `INSERT INTO saga_audit_legacy (saga_id, at, event_type, to_status, applied, detail)
         VALUES ($1, now(), 'reply', 'completed', true, 'legacy')`,
        [sagaId],
      );
      await environment.db.query(
        `INSERT INTO saga_audit (saga_id, at, event_type, to_status, applied, detail, filed_at)
         VALUES ($1, now(), 'reply', 'completed', true, 'unfiled', '2000-01-01')`,
        [sagaId],
      );
      expect(await rowByRowLinesOf(sagaId)).toBeGreaterThanOrEqual(2);
    }
    // A timer an ended saga kept in its row, and one an earlier release left in its table for
    // a saga deleted by hand, due: the timers of live sagas still fire.
    await environment.db.query(
      `UPDATE sagas SET timers = jsonb_build_object('deadline', jsonb_build_object(
         'dueAt', extract(epoch FROM now() + interval '1 hour') * 1000)),
         wake_at = now() + interval '1 hour'
       WHERE id = $1`,
      [expired[0]],
    );
    const orphan = randomUUID();
    await environment.db.query(
      `INSERT INTO timers (id, saga_id, due_at, wakeup) VALUES ($1, $2, now() - interval '1 hour', $3)`,
      [`${orphan}:deadline`, orphan, JSON.stringify({ kind: 'deadline' })],
    );

    const deleted = await runtime.retention.runOnce();

    expect(deleted.sagas).toBe(3);
    expect(deleted.orphanTimers).toBe(1);
    expect(await countOf('timers', orphan)).toBe(0);
    for (const sagaId of expired) expect(await rowByRowLinesOf(sagaId)).toBe(0);
    const left = await environment.db.query<{ id: string }>(`SELECT id FROM sagas ORDER BY id`);
    expect(left.map((row) => row.id)).toEqual([recent, live].sort());
    for (const sagaId of [recent, live]) {
      expect(await countOf('saga_audit', sagaId)).toBeGreaterThan(0);
    }
    // Nothing more to delete: a second round finds nothing.
    expect((await runtime.retention.runOnce()).sagas).toBe(0);
    // Each turn is on GET /metrics: the sagas the first round deleted, the audit's partitions.
    const metrics = await runtime.metrics.registry.metrics();
    expect(metrics).toContain('saga_retention_count_total{task="sagas"} 3');
    expect(metrics).toMatch(
      /saga_retention_runs_total\{task="auditPeriodsMade",outcome="done"\} [1-9]/,
    );
    expect(metrics).not.toContain('outcome="failed"');
  });

  it('keeps the audit append-only for every saga still there, even inside a retention transaction', async () => {
    const [live] = await environment.db.query<{ id: string }>(
      `SELECT id FROM sagas WHERE status = 'running' LIMIT 1`,
    );
    const [finished] = await environment.db.query<{ id: string }>(
      `SELECT id FROM sagas WHERE status = 'completed' LIMIT 1`,
    );
    for (const saga of [live!, finished!]) {
      await expect(
        environment.db.query(`DELETE FROM saga_audit WHERE saga_id = $1`, [saga.id]),
      ).rejects.toThrow(/saga_audit is append-only/);
      await expect(
        environment.db.query(`UPDATE saga_audit SET detail = 'rewritten' WHERE saga_id = $1`, [
          saga.id,
        ]),
      ).rejects.toThrow(/saga_audit is append-only/);
      await expect(
        environment.db.transaction(async (manager) => {
          await manager.query(`SET LOCAL saga.retention = 'on'`);
          await manager.query(`DELETE FROM saga_audit WHERE saga_id = $1`, [saga.id]);
        }),
      ).rejects.toThrow(/saga_audit is append-only/);
      expect(await countOf('saga_audit', saga.id)).toBeGreaterThan(0);
    }
  });

  it('deletes old dead letters and sent outbox rows in batches, and keeps recent ones', async () => {
    const db = environment.db;
    await db.query(`DELETE FROM dead_letters`);
    await db.query(`DELETE FROM outbox`);
    for (let i = 0; i < 5; i++) {
      await db.query(
        `INSERT INTO dead_letters (topic, original_topic, original_partition, original_offset, headers, reason, recorded_at)
         VALUES ('t.dlq', 't', 0, $1, '{}', 'bad', now() - interval '2 hours')`,
        [i],
      );
      await db.query(
        `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload, sent_at)
         VALUES ($1, 0, 't', 'k', '{}', '{}', now() - interval '2 hours')`,
        [randomUUID()],
      );
    }
    await db.query(
      `INSERT INTO dead_letters (topic, original_topic, original_partition, original_offset, headers, reason)
       VALUES ('t.dlq', 't', 0, 100, '{}', 'bad')`,
    );
    await db.query(
      `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload, sent_at)
       VALUES ($1, 0, 't', 'k', '{}', '{}', now()), ($1, 0, 't', 'k', '{}', '{}', NULL)`,
      [randomUUID()],
    );

    const deleted = await runtime.retention.runOnce();

    expect(deleted).toMatchObject({ deadLetters: 5, outbox: 5 });
    const count = async (sql: string) => Number((await db.query<{ n: string }>(sql))[0]!.n);
    expect(await count(`SELECT count(*) AS n FROM dead_letters`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM outbox`)).toBe(2);
  });

  it('deletes bulk operations ended longer ago than the saga period, and keeps the others', async () => {
    const db = environment.db;
    const insert = async (status: string, finished: string | null) => {
      const id = randomUUID();
      await db.query(
        `INSERT INTO bulk_operations (id, action, query, reason, actor, status, matched, finished_at)
         VALUES ($1, 'cancel', 'true', 'r', 'key:admin', $2, 0, ${finished ?? 'NULL'})`,
        [id, status],
      );
      return id;
    };
    await insert('done', `now() - interval '2 hours'`);
    await insert('stopped', `now() - interval '2 hours'`);
    const recent = await insert('done', 'now()');
    // The coordinator's bulk worker may end this one meanwhile (it has no targets): then it
    // ended just now, and is kept all the same.
    const running = await insert('running', null);

    const deleted = await runtime.retention.runOnce();

    expect(deleted).toMatchObject({ bulkOperations: 2 });
    const left = await db.query<{ id: string }>(`SELECT id FROM bulk_operations`);
    expect(left.map((row) => row.id).sort()).toEqual([recent, running].sort());
  });

  it('deletes the breakers’ log lines older than the saga period, and keeps the others append-only', async () => {
    const db = environment.db;
    const line = (at: string) =>
      db.query(
        `INSERT INTO participant_breaker_log (participant, at, from_state, to_state, instance, detail)
         VALUES ('ledger', ${at}, 'closed', 'open', 'i-1', 'errors')`,
      );
    await line(`now() - interval '2 hours'`);
    await line(`now() - interval '2 hours'`);
    await line('now()');

    const deleted = await runtime.retention.runOnce();

    expect(deleted).toMatchObject({ breakerLog: 2 });
    // Only these lines: the coordinator's own breakers may write theirs meanwhile.
    const [left] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM participant_breaker_log WHERE participant = 'ledger'`,
    );
    expect(left!.n).toBe(1);
    await expect(
      db.query(`DELETE FROM participant_breaker_log WHERE participant = 'ledger'`),
    ).rejects.toThrow(/append-only/);
  });

  describe("the participants' idempotency records", () => {
    const schema = uniqueName('it_participant_retention');
    let db: Database;

    beforeAll(async () => {
      db = await openParticipantDatabase({ url: databaseUrl(), schema });
    });
    afterAll(async () => {
      await db.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
      await db.close();
    });

    it('expire once answered longer ago than the period; recent and unanswered ones stay', async () => {
      const store = new PostgresIdempotencyStore(db);
      const answer = async () => ({ status: 'success', result: {} }) as const;
      for (const key of ['old-1', 'old-2', 'old-3', 'recent-1']) {
        await store.once(key, 'inventory.reserve', answer);
      }
      await db.query(
        `UPDATE participant_idempotency SET replied_at = now() - interval '2 hours'
         WHERE idempotency_key LIKE 'old-%'`,
      );
      // A key claimed by a command still being handled has no outcome yet.
      await db.query(
        `INSERT INTO participant_idempotency (idempotency_key, command_type) VALUES ('claimed', 'x')`,
      );

      const retention = idempotencyRetention(db, {
        retentionMs: 60_000,
        batchSize: 2,
        batchPauseMs: 0,
      });
      expect(await retention.runOnce()).toEqual({ idempotency: 3 });
      const left = await db.query<{ idempotency_key: string }>(
        `SELECT idempotency_key FROM participant_idempotency ORDER BY idempotency_key`,
      );
      expect(left.map((row) => row.idempotency_key)).toEqual(['claimed', 'recent-1']);
      expect(await store.find('recent-1')).toEqual({ status: 'success', result: {} });
    });
  });
});
