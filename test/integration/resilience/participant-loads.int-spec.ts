// The load per participant on the real Kafka and Postgres: the commands each participant has
// in flight are counted from the sagas' rows (`awaiting`, written with each decision), so every
// instance sees the same counts whoever sent the commands.
import type { CommandMessage, ReplyOutcome } from '#contracts';
import {
  capacityCounts,
  releaseHeld,
} from '../../../apps/coordinator/src/resilience/held-commands.js';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  startCoordinatorApp,
  startOrder,
  type CoordinatorApp,
} from '../../support/coordinator-app.js';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { ScriptedParticipants, succeed } from '../../support/scripted-participants.js';
import { waitFor } from '../../support/wait-for.js';

describe('the load per participant, from the sagas in flight', () => {
  let environment: CoordinatorEnvironment;
  let app: CoordinatorApp;
  let participants: ScriptedParticipants;
  /** Orders whose payment is left unanswered. */
  const unpaid = new Set(['unpaid-1', 'unpaid-2', 'unpaid-3']);

  const script = (command: CommandMessage): ReplyOutcome | undefined => {
    const orderId = (command.payload as { orderId?: string }).orderId ?? '';
    const left = unpaid.has(orderId) || orderId === 'unpaid-stuck';
    if (command.commandType === 'payment.authorize' && left) return undefined;
    return succeed(command);
  };

  beforeAll(async () => {
    environment = await createEnvironment('it_loads');
    app = await startCoordinatorApp(environment, createSampleSagaRegistry());
    participants = await ScriptedParticipants.start(environment, { script });
  });

  afterAll(async () => {
    await participants?.stop();
    await app?.close();
    await environment?.dispose();
  });

  it('counts the steps awaiting each participant, and nothing for a saga that ended', async () => {
    const done = await startOrder(app, 'paid-1');
    const waiting = await Promise.all([...unpaid].map((key) => startOrder(app, key)));
    await waitForSagas(environment.db, [done], ['completed']);
    for (const sagaId of waiting) {
      await participants.waitForCommand({ sagaId, commandType: 'payment.authorize' });
    }

    const { loads, sagasInFlight } = await environment.db.transaction((sql) => capacityCounts(sql));
    expect(Object.fromEntries(loads)).toEqual({ payment: { inFlight: 3, held: 0 } });
    expect(sagasInFlight).toBe(3);

    // A command held for one of them counts as held, not in flight (its step still awaits it).
    await environment.db.query(
      `INSERT INTO held_commands (participant, saga_id, step_id, action, attempt, lane, topic,
         message_key, headers, payload)
       VALUES ('payment', $1, 'b-authorize', 'execute', 1, 0, 'payment.commands', $2, '{}', '{}')`,
      [waiting[0], waiting[0]],
    );
    const withHeld = await environment.db.transaction((sql) => capacityCounts(sql));
    expect(Object.fromEntries(withHeld.loads)).toEqual({ payment: { inFlight: 2, held: 1 } });
    expect(withHeld.sagasInFlight).toBe(3);
    const rows = await environment.db.query<{ id: string; awaiting: string[] }>(
      `SELECT id, awaiting FROM sagas`,
    );
    expect(Object.fromEntries(rows.map((row) => [row.id, row.awaiting]))).toEqual({
      [done]: [],
      ...Object.fromEntries(waiting.map((sagaId) => [sagaId, ['payment']])),
    });
  });

  it('leaves a stuck saga’s held command held, counted neither in flight nor held, for its resume', async () => {
    const sagaId = await startOrder(app, 'unpaid-stuck');
    await participants.waitForCommand({ sagaId, commandType: 'payment.authorize' });
    // Nothing else moves it from here: its stock is reserved, its payment left unanswered.
    await waitFor('the stock to be reserved', async () => {
      const [row] = await environment.db.query<{ step: string }>(
        `SELECT state->'steps'->'reserve-inventory'->>'status' AS step FROM sagas WHERE id = $1`,
        [sagaId],
      );
      return row?.step === 'succeeded';
    });
    const counted = async () =>
      (await environment.db.transaction((sql) => capacityCounts(sql))).loads.get('payment')!;
    const before = await counted();

    // Stuck (another of its messages could not be sent) while its payment command is held.
    await environment.db.query(`UPDATE sagas SET status = 'stuck' WHERE id = $1`, [sagaId]);
    await environment.db.query(
      `INSERT INTO held_commands (participant, saga_id, step_id, action, attempt, lane, topic,
         message_key, headers, payload)
       VALUES ('payment', $1, 'authorize-payment', 'execute', 1, 0, 'payment.commands', $2, '{}', '{}')`,
      [sagaId, sagaId],
    );
    expect(await counted()).toEqual({ inFlight: before.inFlight - 1, held: before.held });

    // A release leaves it (looked at in a transaction rolled back: nothing is sent).
    const outcome = await environment.db
      .transaction(async (sql) => {
        const result = await releaseHeld(sql, 'payment', 100, 1_000, (_sagaId, payload) => payload);
        throw Object.assign(new Error('roll back'), { result });
      })
      .catch((error: { result: Awaited<ReturnType<typeof releaseHeld>> }) => error.result);
    expect(outcome.outbox.rows.map((row) => row.sagaId)).not.toContain(sagaId);
    const [held] = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM held_commands WHERE saga_id = $1`,
      [sagaId],
    );
    expect(held!.n).toBe(1);
  });
});

describe('held commands released by two instances at once', () => {
  let environment: CoordinatorEnvironment;
  let sagaIds: string[];

  beforeAll(async () => {
    environment = await createEnvironment('it_release');
    const app = await startCoordinatorApp(environment, createSampleSagaRegistry());
    // Four orders whose payment is never answered, then no coordinator: nothing else releases.
    const participants = await ScriptedParticipants.start(environment, {
      script: (command) =>
        command.commandType === 'payment.authorize' ? undefined : succeed(command),
    });
    try {
      sagaIds = await Promise.all(['r-1', 'r-2', 'r-3', 'r-4'].map((key) => startOrder(app, key)));
      for (const sagaId of sagaIds) {
        await participants.waitForCommand({ sagaId, commandType: 'payment.authorize' });
      }
    } finally {
      await participants.stop();
      await app.close();
    }
  });

  afterAll(async () => {
    await environment?.dispose();
  });

  it('leaves no more in flight than the cap, though each saw the same room', async () => {
    // Their payment commands held instead: none in flight, and a cap of 2 leaves room for 2.
    for (const sagaId of sagaIds) {
      await environment.db.query(
        `INSERT INTO held_commands (participant, saga_id, step_id, action, attempt, lane, topic,
           message_key, headers, payload)
         VALUES ('payment', $1, 'authorize-payment', 'execute', 1, 0, 'payment.commands', $2, '{}', '{}')`,
        [sagaId, sagaId],
      );
    }
    const counted = await environment.db.transaction((sql) => capacityCounts(sql));
    expect(counted.loads.get('payment')).toEqual({ inFlight: 0, held: 4 });

    // Each instance's gate allows the room it saw: 2. The second releases while the first's
    // transaction is still open.
    const release = (sql: Parameters<typeof releaseHeld>[0]) =>
      releaseHeld(sql, 'payment', 2, 2, (_sagaId, payload) => payload);
    let second: ReturnType<typeof release> | undefined;
    const first = await environment.db.transaction(async (sql) => {
      const released = await release(sql);
      second = environment.db.transaction(release);
      return released;
    });
    const released = first.released + (await second!).released;

    expect(released).toBe(2);
    const after = await environment.db.transaction((sql) => capacityCounts(sql));
    expect(after.loads.get('payment')).toEqual({ inFlight: 2, held: 2 });
  });
});
