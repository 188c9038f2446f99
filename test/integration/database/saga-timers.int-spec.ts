// Timers in the saga row (apps/coordinator/src/persistence/saga-timers.ts) on the real
// Postgres, without a coordinator: the wake-up bound that decisions keep and the poller moves,
// a reply timeout that waits for its command to reach the broker, and reply timeouts held
// while an instance cannot hear replies, and two pollers racing for the same due saga.
import { randomUUID } from 'node:crypto';
import type { PoolDatabase } from '#postgres';
import type { SagaState } from '#saga-core';
import { writeDecision } from '../../../apps/coordinator/src/persistence/decision-rows.js';
import { enqueueOutbox, lockSagas } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import {
  findOverdueOfOtherVersions,
  findSagasDue,
  putOffWakeups,
  takeDueTimers,
  type TimerRow,
} from '../../../apps/coordinator/src/persistence/saga-timers.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';
import { timerRow } from '../../support/timer-rows.js';

/** The definition version of the sagas these tests insert. */
const ORDER_V1 = [{ sagaType: 'order', sagaVersion: 1 }];

describe('timers in the saga row', () => {
  const schema = uniqueName('it_saga_timers');
  let database: PoolDatabase;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(async () => {
    await dropMigratedSchema(database, schema);
  });

  const databaseNow = async () =>
    Number(
      (
        await database.query<{ now: string }>(
          `SELECT (extract(epoch FROM now()) * 1000)::bigint::text AS now`,
        )
      )[0]!.now,
    );
  const insertSaga = async () => {
    const sagaId = randomUUID();
    await database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1, 'order', 1, 'running', $2, $3)`,
      [sagaId, sagaId, JSON.stringify({ sagaId, status: 'running', steps: {} })],
    );
    return sagaId;
  };
  /** An outbox row of the saga's, not yet sent: what a reply timeout may await. */
  const insertUnsentCommand = async (sagaId: string) =>
    (
      await database.query<{ id: string }>(
        `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload)
         VALUES ($1, 0, 'saga.commands.inventory', $2, '{}', '{}') RETURNING id::text`,
        [sagaId, sagaId],
      )
    )[0]!;
  const rowOf = async (sagaId: string) =>
    (
      await database.query<{
        timers: Record<string, { dueAt: number }>;
        wake_ms: string | null;
        row_version: number;
      }>(
        `SELECT timers, (extract(epoch FROM wake_at) * 1000)::bigint::text AS wake_ms, row_version
         FROM sagas WHERE id = $1`,
        [sagaId],
      )
    )[0]!;
  const FIRST = 'reserve-inventory:reply-timeout:1';
  const SECOND = 'reserve-inventory:reply-timeout:2';
  /** A decision that changes nothing but the timers of the saga (at its current version). */
  const decide = async (
    sagaId: string,
    set: TimerRow[],
    cancelled: string[],
    status?: SagaState['status'],
  ) => {
    const { row_version: rowVersion } = await rowOf(sagaId);
    const [row] = await database.query<{ state: SagaState }>(
      `SELECT state FROM sagas WHERE id = $1`,
      [sagaId],
    );
    const state = { ...row!.state, status: status ?? row!.state.status } as SagaState;
    await writeDecision(database, {
      inserts: [],
      updates: [{ state, rowVersion, awaiting: [] }],
      unchanged: [],
      audit: [],
      outbox: [],
      timers: set,
      cancelledTimers: cancelled.map((key) => ({ id: `${sagaId}:${key}`, sagaId })),
    });
  };
  const fire = (sagaIds: string[], hold = false) =>
    database.transaction(async (sql) => {
      await sql.query(`SELECT 1 FROM sagas WHERE id = ANY($1::uuid[]) FOR UPDATE`, [sagaIds]);
      return takeDueTimers(sql, sagaIds, hold);
    });

  it('keeps the bound when a later timer replaces the first, and the poller moves it to the next due time', async () => {
    const sagaId = await insertSaga();
    const now = await databaseNow();
    await decide(sagaId, [timerRow(sagaId, FIRST, now + 60_000)], []);
    expect((await rowOf(sagaId)).wake_ms).toBe(String(now + 60_000));

    // The reply disarms the first and the next command arms a later one: the bound stays.
    await decide(sagaId, [timerRow(sagaId, SECOND, now + 90_000)], [FIRST]);
    const kept = await rowOf(sagaId);
    expect(Object.keys(kept.timers)).toEqual([SECOND]);
    expect(kept.wake_ms).toBe(String(now + 60_000));
    // An earlier timer lowers it.
    await decide(sagaId, [timerRow(sagaId, 'deadline', now + 1_000)], []);
    expect((await rowOf(sagaId)).wake_ms).toBe(String(now + 1_000));
    await decide(sagaId, [], ['deadline']);

    // Once the bound has passed, the poller finds the saga, fires nothing and moves the bound.
    await database.query(`UPDATE sagas SET wake_at = now() - interval '1 second' WHERE id = $1`, [
      sagaId,
    ]);
    expect(await findSagasDue(database, 10, false, ORDER_V1)).toContain(sagaId);
    expect(await fire([sagaId])).toEqual([]);
    expect((await rowOf(sagaId)).wake_ms).toBe(String(now + 90_000));
    expect(await findSagasDue(database, 10, false, ORDER_V1)).not.toContain(sagaId);

    // The last timer cancelled: the bound stays (the update keeps the saga's status, so it
    // stays HOT) until the poller finds nothing behind it.
    await decide(sagaId, [], [SECOND]);
    expect(await rowOf(sagaId)).toMatchObject({ timers: {}, wake_ms: String(now + 90_000) });
    await database.query(`UPDATE sagas SET wake_at = now() - interval '1 second' WHERE id = $1`, [
      sagaId,
    ]);
    expect(await fire([sagaId])).toEqual([]);
    expect(await rowOf(sagaId)).toMatchObject({ timers: {}, wake_ms: null });
  });

  it('leaves the due timers of a definition version the poller does not know to one that knows it', async () => {
    const sagaId = await insertSaga();
    await database.query(`UPDATE sagas SET saga_version = 2 WHERE id = $1`, [sagaId]);
    const now = await databaseNow();
    await decide(sagaId, [timerRow(sagaId, FIRST, now - 1_000)], []);

    // An instance of the release before, or one the new version has not reached yet.
    expect(await findSagasDue(database, 1_000, false, ORDER_V1)).not.toContain(sagaId);
    expect(Object.keys((await rowOf(sagaId)).timers)).toEqual([FIRST]);
    // One that knows it fires the timer.
    const both = [...ORDER_V1, { sagaType: 'order', sagaVersion: 2 }];
    expect(await findSagasDue(database, 1_000, false, both)).toContain(sagaId);
    expect((await fire([sagaId])).map((timer) => timer.id)).toEqual([`${sagaId}:${FIRST}`]);
  });

  it('finds the versions the poller does not know whose wake-ups are overdue, by how many and since when', async () => {
    const sagaId = await insertSaga();
    await database.query(`UPDATE sagas SET saga_type = 'refund', saga_version = 3 WHERE id = $1`, [
      sagaId,
    ]);
    const now = await databaseNow();
    await decide(sagaId, [timerRow(sagaId, FIRST, now - 120_000)], []);

    const overdue = await findOverdueOfOtherVersions(database, ORDER_V1, 60_000);
    expect(overdue).toEqual([
      { sagaType: 'refund', sagaVersion: 3, sagas: 1, dueSince: expect.any(Date) },
    ]);
    expect(Math.abs(overdue[0]!.dueSince.getTime() - (now - 120_000))).toBeLessThan(1_000);
    // Not overdue long enough, or a version it knows: nothing to say.
    expect(await findOverdueOfOtherVersions(database, ORDER_V1, 300_000)).toEqual([]);
    const known = [...ORDER_V1, { sagaType: 'refund', sagaVersion: 3 }];
    expect(await findOverdueOfOtherVersions(database, known, 60_000)).toEqual([]);
  });

  it('puts a saga’s wake-up off, its timers as they are, so that the next polls find the others first', async () => {
    const sagaId = await insertSaga();
    const now = await databaseNow();
    await decide(sagaId, [timerRow(sagaId, FIRST, now - 1_000)], []);
    await database.transaction((sql) => putOffWakeups(sql, [sagaId], 60_000));
    expect(await findSagasDue(database, 1_000, false, ORDER_V1)).not.toContain(sagaId);
    const row = await rowOf(sagaId);
    expect(Object.keys(row.timers)).toEqual([FIRST]);
    expect(Number(row.wake_ms)).toBeGreaterThanOrEqual(now + 59_000);
  });

  it('clears the bound when the last timer goes with a change of status', async () => {
    const sagaId = await insertSaga();
    const now = await databaseNow();
    await decide(sagaId, [timerRow(sagaId, FIRST, now + 60_000)], []);

    await decide(sagaId, [], [FIRST], 'completed');

    expect(await rowOf(sagaId)).toMatchObject({ timers: {}, wake_ms: null });
  });

  it('fires a due timer once, and defers a reply timeout whose command has not reached the broker', async () => {
    const sagaId = await insertSaga();
    const command = await insertUnsentCommand(sagaId);
    const now = await databaseNow();
    await decide(
      sagaId,
      [
        timerRow(sagaId, 'x:retry:1', now - 10),
        { ...timerRow(sagaId, FIRST, now - 10), awaits: { outboxId: command.id, delayMs: 60_000 } },
      ],
      [],
    );

    const fired = await fire([sagaId]);

    expect(fired).toEqual([
      { id: `${sagaId}:x:retry:1`, sagaId, wakeup: { kind: 'retry', stepId: 'x', attempt: 1 } },
    ]);
    const row = await rowOf(sagaId);
    expect(Object.keys(row.timers)).toEqual([FIRST]);
    // Moved to now plus the timeout, its command still unsent.
    expect(row.timers[FIRST]!.dueAt).toBeGreaterThanOrEqual(now + 60_000);
    expect(row.wake_ms).toBe(String(row.timers[FIRST]!.dueAt));
    expect(await fire([sagaId])).toEqual([]);
  });

  it('fires a reply timeout that names its command but not the timeout (an earlier release could)', async () => {
    const sagaId = await insertSaga();
    const command = await insertUnsentCommand(sagaId);
    const now = await databaseNow();
    await database.query(
      `UPDATE sagas SET timers = jsonb_build_object($2::text,
         jsonb_build_object('dueAt', $3::bigint, 'outboxId', $4::bigint)), wake_at = to_timestamp($3 / 1000.0)
       WHERE id = $1`,
      [sagaId, FIRST, now - 10, command.id],
    );

    expect((await fire([sagaId])).map((due) => due.id)).toEqual([`${sagaId}:${FIRST}`]);
    expect(await rowOf(sagaId)).toMatchObject({ timers: {}, wake_ms: null });
  });

  it('arms a released command’s reply timeout with its outbox row, in the update that moves the saga', async () => {
    const sagaId = await insertSaga();
    const now = await databaseNow();
    await decide(sagaId, [timerRow(sagaId, 'deadline', now + 3_600_000)], []);
    const before = await rowOf(sagaId);
    const messageId = `${sagaId}:reserve-inventory:execute:1`;

    const [outboxId] = await database.transaction((sql) =>
      enqueueOutbox(
        sql,
        [
          {
            sagaId,
            lane: 0,
            topic: 'saga.commands.inventory',
            key: sagaId,
            headers: { 'saga-message-id': messageId },
            payload: { messageId },
          },
        ],
        [
          {
            ...timerRow(sagaId, FIRST, now + 30_000),
            awaits: { messageId, delayMs: 30_000 },
          },
        ],
      ),
    );

    const after = await rowOf(sagaId);
    expect(after.row_version).toBe(before.row_version + 1);
    // A timer of a saga with no message among them would be lost: refused, nothing written.
    await expect(enqueueOutbox(database, [], [timerRow(sagaId, SECOND, now)])).rejects.toThrow(
      `timer ${sagaId}:${SECOND} is of saga ${sagaId}, which has no message here`,
    );
    expect(after.timers).toEqual({
      deadline: { dueAt: now + 3_600_000 },
      [FIRST]: { dueAt: now + 30_000, outboxId: Number(outboxId), delayMs: 30_000 },
    });
    expect(after.wake_ms).toBe(String(now + 30_000));
  });

  it('fires a due timer on one of two pollers racing for it: the other skips the saga, then finds nothing left due', async () => {
    const sagaId = await insertSaga();
    const now = await databaseNow();
    const later = now + 3_600_000;
    await decide(
      sagaId,
      [timerRow(sagaId, 'x:retry:1', now - 10), timerRow(sagaId, 'y:retry:1', later)],
      [],
    );
    // Both pollers find it due (the search takes no lock).
    const seenByOne = await findSagasDue(database, 1_000, false, ORDER_V1);
    const seenByOther = await findSagasDue(database, 1_000, false, ORDER_V1);
    expect(seenByOne).toContain(sagaId);
    expect(seenByOther).toContain(sagaId);
    /** One poller's transaction, as WakeupDecisions.fireDue runs it, on the sagas it found. */
    const poll = (found: string[], sql: Parameters<typeof takeDueTimers>[0]) =>
      lockSagas(sql, found, true).then((sagas) => takeDueTimers(sql, [...sagas.keys()], false));
    let holding!: () => void;
    const oneHolds = new Promise<void>((resolve) => (holding = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const one = database.transaction(async (sql) => {
      const taken = await poll([sagaId], sql);
      holding();
      await released;
      return taken;
    });
    await oneHolds;

    // While the one holds the saga, the other skips it rather than wait.
    expect(await database.transaction((sql) => poll([sagaId], sql))).toEqual([]);
    release();
    expect((await one).map(({ id }) => id)).toEqual([`${sagaId}:x:retry:1`]);
    // After the one committed, the other, on what it found before: nothing is due any more.
    expect(await database.transaction((sql) => poll([sagaId], sql))).toEqual([]);
    const row = await rowOf(sagaId);
    expect(Object.keys(row.timers)).toEqual(['y:retry:1']);
    expect(row.wake_ms).toBe(String(later));
    expect(await findSagasDue(database, 1_000, false, ORDER_V1)).not.toContain(sagaId);
  });

  it('leaves reply timeouts due while the caller cannot hear replies, and fires them after', async () => {
    const sagaId = await insertSaga();
    const now = await databaseNow();
    await decide(sagaId, [timerRow(sagaId, FIRST, now - 10)], []);

    expect(await findSagasDue(database, 10, true, ORDER_V1)).not.toContain(sagaId);
    expect(await fire([sagaId], true)).toEqual([]);
    expect(Object.keys((await rowOf(sagaId)).timers)).toEqual([FIRST]);

    expect(await findSagasDue(database, 10, false, ORDER_V1)).toContain(sagaId);
    expect((await fire([sagaId])).map((due) => due.id)).toEqual([`${sagaId}:${FIRST}`]);
    expect(await rowOf(sagaId)).toMatchObject({ timers: {}, wake_ms: null });
  });
});
