// Timers end to end on the real Kafka and Postgres (../shared/DESIGN.md, "Durable execution"):
// retry back-off and reply timeouts as the participant sees them, with real time scaled by
// TIME_SCALE, and a timer that outlives the coordinator that set it. The test plays the
// participants; the order saga's policy: reply timeout 5 s, 4 attempts, back-off from 200 ms
// doubling (full jitter), compensations retried.
import { PostgresSagaQueries } from '../../../apps/coordinator/src/persistence/saga-queries.postgres.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { auditRecords, sagaRecord, waitForAudit } from '../../support/saga-records.js';
import {
  ScriptedParticipants,
  silent,
  succeed,
  succeedAll,
  transientError,
} from '../../support/scripted-participants.js';
import { waitFor } from '../../support/wait-for.js';
import { replyMessage } from '#saga-participant';
import { orderInput } from '../../support/saga-load.js';

const REPLY_TIMEOUT_MS = 5_000;
const INITIAL_RETRY_DELAY_MS = 200;

/** An environment with a coordinator at `timeScale` and the test playing the participants. */
function useCoordinator(name: string, timeScale: number) {
  const context = {} as {
    environment: CoordinatorEnvironment;
    coordinator: CoordinatorRuntime;
    participants: ScriptedParticipants;
    start(key: string): Promise<string>;
  };
  beforeAll(async () => {
    context.environment = await createEnvironment(name);
    context.coordinator = await startCoordinator(context.environment, {
      TIME_SCALE: String(timeScale),
    });
    context.participants = await ScriptedParticipants.start(context.environment);
  });
  afterAll(async () => {
    await context.participants?.stop();
    await context.coordinator?.stop();
    await context.environment?.dispose();
  });
  context.start = async (key) => {
    const answer = await context.coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: key,
      input: orderInput(key),
    });
    return answer.sagaId;
  };
  return context;
}

/** The back-off the engine chose after an attempt, in unscaled ms, from the audit line of its reply. */
function chosenDelay(detail: string): number {
  const match = /retry in (\d+) ms/.exec(detail);
  if (!match) throw new Error(`no retry in: ${detail}`);
  return Number(match[1]);
}

describe('retry back-off with time scaled down (TIME_SCALE=0.5)', () => {
  const TIME_SCALE = 0.5;
  const test = useCoordinator('it_backoff', TIME_SCALE);

  it('sends each next attempt after the scaled back-off, not before, and compensates when attempts run out', async () => {
    const { environment, participants } = test;
    const sagaId = await test.start('backoff');
    const authorize = await participants.waitForCommand({ sagaId, stepId: 'authorize-payment' });
    await participants.reply(authorize.command, succeed(authorize.command));

    for (let attempt = 1; attempt <= 3; attempt++) {
      const sent = await participants.waitForCommand({
        sagaId,
        stepId: 'reserve-inventory',
        attempt,
      });
      const answeredAt = Date.now();
      await participants.reply(sent.command, transientError);
      const next = await participants.waitForCommand({
        sagaId,
        stepId: 'reserve-inventory',
        attempt: attempt + 1,
      });
      const decision = await waitForAudit(
        environment.db,
        sagaId,
        `the error of attempt ${attempt}`,
        (row) =>
          row.event_type === 'reply' &&
          row.step_id === 'reserve-inventory' &&
          row.attempt === attempt,
      );
      const delay = chosenDelay(decision.detail);
      expect(delay).toBeLessThan(INITIAL_RETRY_DELAY_MS * 2 ** (attempt - 1)); // full jitter
      const scaled = Math.round(delay * TIME_SCALE);
      // On the database's clock: from the decision that set the timer to the one it fired.
      const waited = Date.parse(next.command.sentAt) - decision.at.getTime();
      expect(waited).toBeGreaterThanOrEqual(scaled);
      // As the participant sees it: from its error reply to the next attempt.
      expect(next.receivedAt - answeredAt).toBeGreaterThanOrEqual(scaled);
    }

    // The fourth and last attempt errs too: the step fails, and the saga compensates.
    participants.script = (command) =>
      command.action === 'compensate' ? succeed(command) : undefined;
    const last = await participants.waitForCommand({
      sagaId,
      stepId: 'reserve-inventory',
      attempt: 4,
    });
    await participants.reply(last.command, transientError);
    await waitForSagas(environment.db, [sagaId], ['compensated']);

    expect(participants.commands({ sagaId, attempt: 5 })).toEqual([]);
    // The errors left the reservation's key open: its release (outcome unknown) closes it.
    expect(
      participants
        .commands({ sagaId, action: 'compensate' })
        .map((c) => c.command.commandType)
        .sort(),
    ).toEqual(['inventory.release', 'payment.void']);
    const saga = await sagaRecord(environment.db, sagaId);
    expect(saga?.state).toMatchObject({
      cause: { type: 'step-failed', stepId: 'reserve-inventory' },
      steps: {
        'reserve-inventory': { status: 'compensated' },
        'authorize-payment': { status: 'compensated' },
        'capture-payment': { status: 'skipped' },
      },
    });
  });
});

describe('reply timeouts with time scaled down (TIME_SCALE=0.1)', () => {
  // Reply timeouts of 500 ms; the saga's deadline (10 min) becomes 60 s, well after the 4 attempts.
  const TIME_SCALE = 0.1;
  const test = useCoordinator('it_timeout', TIME_SCALE);

  it('retries an unanswered attempt after the scaled timeout, then compensates with the outcome unknown', async () => {
    const { environment, participants } = test;
    // Inventory never answers a reservation; everything else succeeds.
    participants.script = (command) =>
      command.commandType === 'inventory.reserve' ? undefined : succeed(command);
    const sagaId = await test.start('timeout');

    const attempts = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      attempts.push(
        await participants.waitForCommand({ sagaId, stepId: 'reserve-inventory', attempt }),
      );
    }
    for (let i = 1; i < attempts.length; i++) {
      const waited =
        Date.parse(attempts[i]!.command.sentAt) - Date.parse(attempts[i - 1]!.command.sentAt);
      expect(waited).toBeGreaterThanOrEqual(REPLY_TIMEOUT_MS * TIME_SCALE);
      expect(waited).toBeLessThan(REPLY_TIMEOUT_MS); // the unscaled timeout never applied
    }
    await waitForSagas(environment.db, [sagaId], ['compensated']);

    // Reserving may have happened: it is released, saying so; the authorization is voided.
    const compensations = participants.commands({ sagaId, action: 'compensate' });
    expect(
      compensations.map((c) => [c.command.commandType, c.command.outcomeUnknown]).sort(),
    ).toEqual([
      ['inventory.release', true],
      ['payment.void', false],
    ]);
    expect(participants.commands({ sagaId, stepId: 'reserve-inventory', attempt: 5 })).toEqual([]);
    const wakeups = (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'wakeup' && row.step_id === 'reserve-inventory',
    );
    expect(wakeups.map((row) => [row.attempt, row.applied])).toEqual([
      [1, true],
      [1, true], // the retry after the timeout (same attempt number: the back-off of attempt 1)
      [2, true],
      [2, true],
      [3, true],
      [3, true],
      [4, true],
    ]);
    expect(wakeups.filter((row) => row.detail.includes('timed out after 5000 ms'))).toHaveLength(4);
    const saga = await sagaRecord(environment.db, sagaId);
    expect(saga?.state).toMatchObject({
      cause: { type: 'step-outcome-unknown', stepId: 'reserve-inventory' },
      steps: {
        'reserve-inventory': { status: 'compensated' },
        'authorize-payment': { status: 'compensated' },
        'capture-payment': { status: 'skipped' },
      },
    });
  });
});

describe('a timer pending across a coordinator restart', () => {
  // Real time: the 5 s reply timeout leaves ample room to stop the coordinator before it is due.
  const test = useCoordinator('it_timer_restart', 1);

  it('fires a reply timeout that fell due while no coordinator ran, once, after the restart', async () => {
    const { environment, participants } = test;
    participants.script = silent;
    const sagaId = await test.start('restart');
    await participants.waitForCommand({ sagaId, stepId: 'reserve-inventory', attempt: 1 });
    const timerId = `${sagaId}:reserve-inventory:reply-timeout:1`;
    await test.coordinator.stop();

    const pending = await environment.db.query<{ due_at: Date }>(
      `SELECT to_timestamp((timers->$2->>'dueAt')::float8 / 1000) AS due_at FROM sagas
       WHERE id = $1 AND timers ? $2`,
      [sagaId, timerId.slice(sagaId.length + 1)],
    );
    expect(pending).toHaveLength(1);
    const dueAt = pending[0]!.due_at.getTime();
    await waitFor(
      'the timer to fall due while no coordinator runs',
      async () => {
        const [row] = await environment.db.query<{ due: boolean }>(
          `SELECT now() >= $1::timestamptz AS due`,
          [pending[0]!.due_at],
        );
        return row?.due;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(
      (await auditRecords(environment.db, sagaId)).filter((row) => row.event_type === 'wakeup'),
    ).toEqual([]);

    participants.script = succeedAll;
    test.coordinator = await startCoordinator(environment, { TIME_SCALE: '1' });
    const second = await participants.waitForCommand({
      sagaId,
      stepId: 'reserve-inventory',
      attempt: 2,
    });
    await waitForSagas(environment.db, [sagaId], ['completed']);

    expect(Date.parse(second.command.sentAt)).toBeGreaterThanOrEqual(dueAt);
    const wakeups = (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'wakeup' && row.step_id === 'reserve-inventory',
    );
    expect(wakeups.map((row) => [row.attempt, row.applied, row.detail])).toEqual([
      [1, true, expect.stringContaining('timed out after 5000 ms')],
      [1, true, expect.stringContaining('sent reserve-inventory attempt 2')],
    ]);
    expect(
      participants
        .commands({ sagaId, stepId: 'reserve-inventory' })
        .map((c) => [c.command.action, c.command.attempt]),
    ).toEqual([
      ['execute', 1],
      ['execute', 2],
    ]);
    const [left] = await environment.db.query<{ timers: object; wake_at: Date | null }>(
      `SELECT timers, wake_at FROM sagas WHERE id = $1`,
      [sagaId],
    );
    expect(left).toEqual({ timers: {}, wake_at: null });
  });
});

describe('replies sent while no coordinator ran, and their timeouts due meanwhile', () => {
  // Real time: the 5 s reply timeouts leave ample room to stop the coordinator before they are due.
  const test = useCoordinator('it_reply_catch_up', 1);

  it('are decided before the timeouts fire: the steps succeed on their first attempt', async () => {
    const { environment, participants } = test;
    participants.script = silent;
    const sagaId = await test.start('catch-up');
    const first = await Promise.all(
      ['reserve-inventory', 'authorize-payment'].map((stepId) =>
        participants.waitForCommand({ sagaId, stepId, attempt: 1 }),
      ),
    );
    await test.coordinator.stop();
    // Answered in time, while no coordinator reads them, behind a backlog on the saga's
    // partition: answers to an attempt never sent, which the saga ignores.
    const { command } = first[0]!;
    const unsent = { ...command, attempt: 2 };
    const backlog = replyMessage(unsent, participants.envelope(unsent, succeed(unsent)), {});
    for (let batch = 0; batch < 10; batch++) {
      await participants.publish(Array.from({ length: 200 }, () => backlog));
    }
    for (const { command } of first) await participants.reply(command, succeed(command));
    await waitFor(
      'the reply timeouts to fall due while no coordinator runs',
      async () => {
        const [row] = await environment.db.query<{ due: boolean }>(
          `SELECT now() >= to_timestamp(max((t.value->>'dueAt')::float8) / 1000) AS due
           FROM sagas, jsonb_each(timers) t WHERE id = $1 AND t.key LIKE '%:reply-timeout:%'`,
          [sagaId],
        );
        return row?.due;
      },
      { timeoutMs: 10_000, intervalMs: 50 },
    );

    participants.script = succeedAll;
    test.coordinator = await startCoordinator(environment, { TIME_SCALE: '1' });
    await waitForSagas(environment.db, [sagaId], ['completed']);

    const wakeups = (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'wakeup' && row.applied,
    );
    expect(wakeups.map((row) => [row.step_id, row.detail])).toEqual([]);
    const sent = participants
      .commands({ sagaId })
      .map((c) => [c.command.stepId, c.command.attempt]);
    expect(sent.sort()).toEqual([
      ['authorize-payment', 1],
      ['capture-payment', 1],
      ['notify-customer', 1],
      ['reserve-inventory', 1],
      ['schedule-shipping', 1],
    ]);
  });
});

describe('a timer an instance of the release before timers in the row writes in its table', () => {
  // Scaled up: the row's own reply timeout (100 s) cannot be the one that fires.
  const test = useCoordinator('it_legacy_timer', 20);

  it('is moved into its saga row by the next poll, and fires', async () => {
    const { environment, participants } = test;
    participants.script = silent;
    const sagaId = await test.start('legacy');
    await participants.waitForCommand({ sagaId, stepId: 'reserve-inventory', attempt: 1 });

    // As a pod of the earlier release would write it: the step's reply timeout, due now.
    await environment.db.query(
      `INSERT INTO timers (id, saga_id, due_at, wakeup) VALUES ($1, $2, now(), $3)`,
      [
        `${sagaId}:reserve-inventory:reply-timeout:1`,
        sagaId,
        JSON.stringify({ kind: 'reply-timeout', stepId: 'reserve-inventory', attempt: 1 }),
      ],
    );

    // Sent once the decision that fired the retry committed, with its audit.
    await participants.waitForCommand({ sagaId, stepId: 'reserve-inventory', attempt: 2 });
    const wakeups = (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'wakeup' && row.step_id === 'reserve-inventory',
    );
    // The timeout (as that pod armed it), then the retry back-off it set.
    expect(wakeups.map((row) => [row.attempt, row.applied, row.detail])).toEqual([
      [1, true, expect.stringContaining('timed out after 5000 ms')],
      [1, true, expect.stringContaining('sent reserve-inventory attempt 2')],
    ]);
    const [left] = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM timers WHERE saga_id = $1`,
      [sagaId],
    );
    expect(left?.n).toBe(0);
  });
});

describe('the next wake-up a step shows under TIME_SCALE', () => {
  // Scaled up so that the back-off lasts long enough to be looked at (up to 4 s for attempt 1).
  const TIME_SCALE = 20;
  const test = useCoordinator('it_wakeup_view', TIME_SCALE);

  it('is the time its retry timer is due', async () => {
    const { environment, participants } = test;
    const sagaId = await test.start('wakeup-view');
    // The step (in the saga's state) and its retry timer, from one snapshot (one decision
    // writes both).
    const look = async (attempt: number) => {
      const [row] = await environment.db.query<{
        status: string;
        attempt: number;
        due_at: Date | null;
      }>(
        `SELECT s.step->>'status' AS status, (s.step->>'attempt')::int AS attempt,
           to_timestamp((s.timers->('reserve-inventory:retry:' || (s.step->>'attempt'))
             ->>'dueAt')::float8 / 1000) AS due_at
         FROM (SELECT id, timers, state->'steps'->'reserve-inventory' AS step FROM sagas
           WHERE id = $1) s`,
        [sagaId],
      );
      if (row?.status === 'backing-off' && row.attempt === attempt) return row;
      if (row?.status === 'running' && row.attempt > attempt) return 'missed';
      return undefined;
    };
    // A back-off drawn near 0 ms may be over before it is seen: then try the next attempt.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const sent = await participants.waitForCommand({
        sagaId,
        stepId: 'reserve-inventory',
        attempt,
      });
      await participants.reply(sent.command, transientError);
      const seen = await waitFor(`attempt ${attempt} backing off`, () => look(attempt), {
        intervalMs: 5,
      });
      if (seen === 'missed') continue;
      expect(seen.due_at).not.toBeNull();
      const view = await new PostgresSagaQueries(environment.db).get(sagaId);
      const step = view?.steps.find((s) => s.stepId === 'reserve-inventory');
      if (step?.status !== 'backing-off') continue; // the back-off ended while we looked
      expect(step.nextWakeupAt).toBe(seen.due_at?.toISOString());
      return;
    }
    throw new Error('no back-off lasted long enough to be seen');
  });
});

describe('a resume while a step’s command is held', () => {
  // Real time: the 5 s reply timeout is far off; the test reads the saga's timers at once.
  const test = useCoordinator('it_held_resume', 1);

  // A retry of the held step resumes the stuck saga as a resume does.
  it.each([
    ['resume', (sagaId: string) => test.coordinator.decisions.resume(sagaId, 'ops:test')],
    [
      'retry of the step',
      (sagaId: string) =>
        test.coordinator.decisions.retryStep(sagaId, 'reserve-inventory', 'ops:test'),
    ],
  ])(
    'leaves the reply timeout with the held command, armed when it goes, not from the %s',
    async (name, unstick) => {
      const { environment, coordinator, participants } = test;
      participants.script = silent;
      const sagaId = await test.start(`held-${name}`);
      await participants.waitForCommand({ sagaId, stepId: 'reserve-inventory', attempt: 1 });
      const key = 'reserve-inventory:reply-timeout:1';
      // As when the command is held (its participant at its cap): its timer waits in its row.
      await environment.db.query(`UPDATE sagas SET timers = timers - $2 WHERE id = $1`, [
        sagaId,
        key,
      ]);
      await environment.db.query(
        `INSERT INTO held_commands (participant, saga_id, step_id, action, attempt, lane, topic,
         message_key, headers, payload, reply_timer)
       VALUES ('inventory', $1::uuid, 'reserve-inventory', 'execute', 1, 0, 'held.commands',
         $1::text, '{}',
         '{}', $2)`,
        [
          sagaId,
          JSON.stringify({
            id: `${sagaId}:${key}`,
            delayMs: REPLY_TIMEOUT_MS,
            wakeup: { kind: 'reply-timeout', stepId: 'reserve-inventory', attempt: 1 },
          }),
        ],
      );
      // Stuck by a message that can never be sent, then resumed. Dated ahead, so that the relay
      // leaves it alone (sending it, kafkajs would retry for seconds, holding its lane's lock).
      const [row] = await environment.db.query<{ id: string }>(
        `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload, created_at)
       VALUES ($1::uuid, 0, 'no-such-topic', $1::text, '{}', '{}', now() + interval '1 hour')
       RETURNING id::text AS id`,
        [sagaId],
      );
      await coordinator.decisions.setAside([
        { id: row!.id, sagaId, topic: 'no-such-topic', reason: 'UNKNOWN_TOPIC_OR_PARTITION' },
      ]);
      expect((await sagaRecord(environment.db, sagaId))?.status).toBe('stuck');
      await environment.db.query(`DELETE FROM outbox WHERE id = $1`, [row!.id]);

      await unstick(sagaId);

      const [saga] = await environment.db.query<{ status: string; keys: string[] }>(
        `SELECT status, ARRAY(SELECT jsonb_object_keys(timers)) AS keys FROM sagas WHERE id = $1`,
        [sagaId],
      );
      expect(saga).toMatchObject({ status: 'running' });
      expect(saga!.keys).not.toContain(key);
    },
  );
});
