// The migration of timers into the saga row (TimersInSagaRow) on the real Postgres, applied to
// a schema of the previous release with sagas in flight: their timers, and those an instance of
// the previous release writes during the roll, move into their rows at the polls of this
// release (adoptLegacyTimers), with the command a reply timeout awaits; `down` puts them back.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { TimersInSagaRow1765500000000 } from '../../../apps/coordinator/src/persistence/migrations/1765500000000-timers-in-saga-row.js';
import { adoptLegacyTimers } from '../../../apps/coordinator/src/persistence/saga-timers.js';
import {
  atTheReleaseBefore,
  createEmptySchema,
  dropSchemaOf,
} from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';

describe('the migration of timers into the saga row, with sagas in flight', () => {
  const schema = uniqueName('it_timers_in_row');
  let dataSource: DataSource | undefined;

  beforeAll(() => createEmptySchema(schema));

  afterAll(async () => {
    await dropSchemaOf(dataSource, schema);
  });

  const query = <T>(text: string, parameters: unknown[] = []) =>
    dataSource!.query<T[]>(text, parameters);
  const insertSaga = async () => {
    const sagaId = randomUUID();
    await query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1, 'order', 1, 'running', $2, '{"steps": {}}')`,
      [sagaId, sagaId],
    );
    return sagaId;
  };
  /** A timer as the previous release writes it, due `inSeconds` from now. */
  const insertLegacyTimer = async (
    id: string,
    sagaId: string,
    inSeconds: number,
    wakeup: object,
    command?: { outboxId: string; delayMs: number },
  ) => {
    await query(
      `INSERT INTO timers (id, saga_id, due_at, wakeup, command_outbox_id, delay_ms)
       VALUES ($1, $2, now() + make_interval(secs => $3), $4, $5, $6)`,
      [id, sagaId, inSeconds, JSON.stringify(wakeup), command?.outboxId, command?.delayMs],
    );
  };
  const rowOf = async (sagaId: string) =>
    (
      await query<{ timers: Record<string, Record<string, unknown>>; wake_at: Date | null }>(
        `SELECT timers, wake_at FROM sagas WHERE id = $1`,
        [sagaId],
      )
    )[0]!;
  const dueAtOf = async (timerId: string) =>
    Number(
      (
        await query<{ due_ms: string }>(
          `SELECT (extract(epoch FROM due_at) * 1000)::bigint AS due_ms FROM timers WHERE id = $1`,
          [timerId],
        )
      )[0]!.due_ms,
    );

  it('moves the timers into the rows, adopts those written during the roll, and undoes itself', async () => {
    dataSource = await atTheReleaseBefore(schema, TimersInSagaRow1765500000000);
    // The previous release, with a saga awaiting a reply (its command still in the outbox) and
    // a deadline, and a timer whose saga was deleted by hand.
    const sagaId = await insertSaga();
    const [command] = await query<{ id: string }>(
      `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload)
       VALUES ($1, 0, 'saga.commands.inventory', $2, '{}', '{}') RETURNING id::text`,
      [sagaId, sagaId],
    );
    const replyTimeout = `${sagaId}:reserve-inventory:reply-timeout:1`;
    const reply = { kind: 'reply-timeout', stepId: 'reserve-inventory', attempt: 1 };
    await insertLegacyTimer(replyTimeout, sagaId, 30, reply, {
      outboxId: command!.id,
      delayMs: 30_000,
    });
    await insertLegacyTimer(`${sagaId}:deadline`, sagaId, 3_600, { kind: 'deadline' });
    const orphan = randomUUID();
    await insertLegacyTimer(`${orphan}:deadline`, orphan, -60, { kind: 'deadline' });
    const replyDue = await dueAtOf(replyTimeout);
    const deadlineDue = await dueAtOf(`${sagaId}:deadline`);

    const applied = await dataSource.runMigrations({ transaction: 'all' });

    expect(applied.map((migration) => migration.name)).toEqual(['TimersInSagaRow1765500000000']);
    // The timers stay where the previous release's instances still fire them, until a poll of
    // this release moves them; an id the engine never built stays too.
    expect(await rowOf(sagaId)).toEqual({ timers: {}, wake_at: null });
    await insertLegacyTimer(`${sagaId}:nap`, sagaId, 60, { kind: 'deadline' });
    expect(await adoptLegacyTimers(dataSource, 100)).toBe(2);
    const moved = await rowOf(sagaId);
    // Keyed by their ids without the saga's; what they wake for is in the key.
    expect(moved.timers).toEqual({
      'reserve-inventory:reply-timeout:1': {
        dueAt: replyDue,
        outboxId: Number(command!.id),
        delayMs: 30_000,
      },
      deadline: { dueAt: deadlineDue },
    });
    expect(moved.wake_at?.getTime()).toBe(replyDue);
    // The orphan and the odd id stay for retention; nothing else is left in the table.
    expect(
      (await query<{ id: string }>(`SELECT id FROM timers`)).map((row) => row.id).sort(),
    ).toEqual([`${orphan}:deadline`, `${sagaId}:nap`].sort());
    await query(`DELETE FROM timers WHERE id = $1`, [`${sagaId}:nap`]);

    // During the roll an instance of the previous release arms an earlier retry in the table,
    // and a timer of a saga that has none yet.
    const retry = { kind: 'retry', stepId: 'authorize-payment', attempt: 1 };
    await insertLegacyTimer(`${sagaId}:authorize-payment:retry:1`, sagaId, 5, retry);
    const other = await insertSaga();
    await insertLegacyTimer(`${other}:deadline`, other, 60, { kind: 'deadline' });
    const retryDue = await dueAtOf(`${sagaId}:authorize-payment:retry:1`);
    const otherDue = await dueAtOf(`${other}:deadline`);

    expect(await adoptLegacyTimers(dataSource, 100)).toBe(2);

    const adopted = await rowOf(sagaId);
    expect(Object.keys(adopted.timers).sort()).toEqual(
      ['authorize-payment:retry:1', 'deadline', 'reserve-inventory:reply-timeout:1'].sort(),
    );
    expect(adopted.wake_at?.getTime()).toBe(retryDue);
    expect((await rowOf(other)).wake_at?.getTime()).toBe(otherDue);
    expect(await adoptLegacyTimers(dataSource, 100)).toBe(0);

    await dataSource.undoLastMigration({ transaction: 'all' });

    const back = await query<{
      id: string;
      due_ms: string;
      wakeup: object;
      command_outbox_id: string | null;
    }>(
      `SELECT id, (extract(epoch FROM due_at) * 1000)::bigint::text AS due_ms, wakeup,
         command_outbox_id::text FROM timers`,
    );
    const deadline = { kind: 'deadline' };
    const timer = (id: string, due: string, wakeup: object, outboxId: string | null = null) => ({
      id,
      due_ms: due,
      wakeup,
      command_outbox_id: outboxId,
    });
    expect(back.sort((a, b) => a.id.localeCompare(b.id))).toEqual(
      [
        timer(replyTimeout, String(replyDue), reply, command!.id),
        timer(`${sagaId}:deadline`, String(deadlineDue), deadline),
        timer(`${sagaId}:authorize-payment:retry:1`, String(retryDue), retry),
        timer(`${other}:deadline`, String(otherDue), deadline),
        timer(`${orphan}:deadline`, expect.any(String), deadline),
      ].sort((a, b) => a.id.localeCompare(b.id)),
    );
    const columns = await query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'sagas' AND column_name IN ('timers', 'wake_at')`,
      [schema],
    );
    expect(columns).toEqual([]);
  });
});
