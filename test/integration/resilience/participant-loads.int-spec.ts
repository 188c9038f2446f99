// The load per participant on the real Kafka and Postgres: the commands each participant has
// in flight are counted from the sagas' rows (`awaiting`, written with each decision), so every
// instance sees the same counts whoever sent the commands.
import { randomUUID } from 'node:crypto';
import type { CommandMessage, JsonObject, JsonValue, ReplyOutcome } from '#contracts';
import {
  capacityCounts,
  releaseHeld,
  type RestampCommand,
} from '../../../apps/coordinator/src/resilience/held-commands.js';
import { UnsealError } from '../../../apps/coordinator/src/security/field-cipher.js';
import { readProbeSteps } from '../../../apps/coordinator/src/resilience/probe-outcomes.js';
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
    const left = unpaid.has(orderId) || orderId === 'unpaid-stuck' || orderId === 'unpaid-probe';
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

  const stockReserved = (sagaId: string) =>
    waitFor('the stock to be reserved', async () => {
      const [row] = await environment.db.query<{ step: string }>(
        `SELECT state->'steps'->'reserve-inventory'->>'status' AS step FROM sagas WHERE id = $1`,
        [sagaId],
      );
      return row?.step === 'succeeded';
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
       VALUES ('payment', $1, 'authorize-payment', 'execute', 1, 0, 'payment.commands', $2, '{}', '{}')`,
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

  it('reads a probe’s step from its saga’s row, and none for a saga that is not there', async () => {
    const sagaId = await startOrder(app, 'unpaid-probe');
    await participants.waitForCommand({ sagaId, commandType: 'payment.authorize' });
    await stockReserved(sagaId);
    const steps = await readProbeSteps(environment.db, [
      { sagaId: randomUUID(), stepId: 'authorize-payment', action: 'execute', attempt: 1 },
      { sagaId, stepId: 'authorize-payment', action: 'execute', attempt: 1 },
      { sagaId, stepId: 'reserve-inventory', action: 'execute', attempt: 1 },
    ]);
    expect(steps[0]).toBeUndefined();
    expect(steps[1]).toMatchObject({ status: 'running', attempt: 1 });
    expect(steps[2]).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('leaves a stuck saga’s held command held, counted neither in flight nor held, for its resume', async () => {
    const sagaId = await startOrder(app, 'unpaid-stuck');
    await participants.waitForCommand({ sagaId, commandType: 'payment.authorize' });
    // Nothing else moves it from here: its stock is reserved, its payment left unanswered.
    await stockReserved(sagaId);
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

describe('held commands released under a participant’s cap', () => {
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

  beforeEach(async () => {
    // Each test holds its own commands, and reads what its releases queued.
    await environment.db.query(`DELETE FROM held_commands`);
    await environment.db.query(`DELETE FROM outbox`);
  });

  /** Holds the saga's payment command of `attempt` (its step awaits attempt 1), as a decision does. */
  const hold = (sagaId: string, attempt = 1, payload: JsonValue = {}) =>
    environment.db.query(
      `INSERT INTO held_commands (participant, saga_id, step_id, action, attempt, lane, topic,
         message_key, headers, payload)
       VALUES ('payment', $1, 'authorize-payment', 'execute', $3, 0, 'payment.commands', $2, '{}', $4)`,
      [sagaId, sagaId, attempt, JSON.stringify(payload)],
    );

  /** The held commands left: saga and attempt, oldest first. */
  const heldLeft = async () =>
    (
      await environment.db.query<{ saga_id: string; attempt: number }>(
        `SELECT saga_id, attempt FROM held_commands ORDER BY id`,
      )
    ).map((row) => [row.saga_id, row.attempt]);

  it('leaves no more in flight than the cap, though each saw the same room', async () => {
    // Their payment commands held instead: none in flight, and a cap of 2 leaves room for 2.
    for (const sagaId of sagaIds) await hold(sagaId);
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

  it('counts and releases only the held commands their sagas still await: a superseded one takes no room', async () => {
    const [r1, r2, r3, r4] = sagaIds as [string, string, string, string];
    // r-1 and r-2 wait to send the attempt their step awaits. r-3's and r-4's commands of that
    // attempt are in flight; each left the row of an earlier attempt held (an operator retried
    // the step while it was held).
    await hold(r1);
    await hold(r2);
    await hold(r3, 0);
    await hold(r4, 0);

    const counted = await environment.db.transaction((sql) => capacityCounts(sql));
    expect(counted.loads.get('payment')).toEqual({ inFlight: 2, held: 2 });

    // A cap of 2 is full: nothing goes, and the superseded rows are taken off.
    const released = await environment.db.transaction((sql) =>
      releaseHeld(sql, 'payment', 10, 2, (_sagaId, payload) => payload),
    );
    expect(released.released).toBe(0);
    expect(await heldLeft()).toEqual([
      [r1, 1],
      [r2, 1],
    ]);

    // A cap of 3 leaves room for one: the oldest.
    const next = await environment.db.transaction((sql) =>
      releaseHeld(sql, 'payment', 10, 3, (_sagaId, payload) => payload),
    );
    expect(next.outbox.rows.map((row) => row.sagaId)).toEqual([r1]);
    expect(await heldLeft()).toEqual([[r2, 1]]);
  });

  it('releases the other held commands when one no longer opens, and leaves that one to the relay to set aside', async () => {
    const [r1, r2] = sagaIds as [string, string];
    // r-1's command was sealed with a key since dropped from the keyring.
    const sealedAway = { sealed: 'enc:v1:dropped:iv:tag:ciphertext' };
    await hold(r1, 1, sealedAway);
    await hold(r2, 1, { orderId: 'r-2' });
    const restamped: string[] = [];
    const restamp: RestampCommand = (sagaId, payload, sentAt) => {
      restamped.push(sagaId);
      if (sagaId === r1) throw new UnsealError('no key "dropped" in the keyring');
      return { ...(payload as JsonObject), sentAt };
    };
    const release = () =>
      environment.db.transaction((sql) => releaseHeld(sql, 'payment', 10, 4, restamp));

    const first = await release();

    // r-2's command goes by the fast path; r-1's is queued for the relay as it was held, which
    // the relay cannot open either: it sets the row aside and marks the saga stuck, logged
    // (outbox-poison.int-spec), rather than the release failing for every command.
    expect(first.outbox.rows.map((row) => row.sagaId)).toEqual([r2]);
    expect(first.unopenable.map((row) => row.sagaId)).toEqual([r1]);
    expect(first.released).toBe(1);
    const queued = await environment.db.query<{ saga_id: string; payload: JsonValue }>(
      `SELECT saga_id, payload FROM outbox WHERE sent_at IS NULL ORDER BY id`,
    );
    expect(queued).toEqual([
      { saga_id: r1, payload: sealedAway },
      { saga_id: r2, payload: { orderId: 'r-2', sentAt: expect.any(String) } },
    ]);

    // Nothing of it is left held, to be tried again every round.
    expect(await heldLeft()).toEqual([]);
    const second = await release();
    expect(second.released + second.unopenable.length).toBe(0);
    expect(restamped).toEqual([r1, r2]);
  });
});
