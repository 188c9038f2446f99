// The load per participant and stuck sagas, on Postgres and on PGlite (the embedded mode runs
// the same statements): a stuck saga's step counts in its participant's load only if its
// command was sent. One set aside (its topic deleted, say), or waiting behind a row set aside,
// never reached the participant: counted, it would keep a slot of the participant's cap until
// an operator acts, and enough such sagas would hold every new command to it for ever.
import { randomUUID } from 'node:crypto';
import {
  commandHeaders,
  MESSAGE_TYPES,
  sagaMessageHeaders,
  topicNames,
  type CommandMessage,
  type JsonValue,
} from '#contracts';
import { commandMessageId, type SagaState, type StepState } from '#saga-core';
import type { Database, SqlRunner } from '#postgres';
import { writeDecision } from '../../../apps/coordinator/src/persistence/decision-rows.js';
import type { OutboxRow } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import {
  releaseSetAside,
  setOutboxRowsAside,
} from '../../../apps/coordinator/src/outbox/set-aside-rows.js';
import {
  capacityCounts,
  holdCommands,
  releaseHeld,
} from '../../../apps/coordinator/src/resilience/held-commands.js';
import { accessPaths, type PlanNode } from '../../support/query-plans.js';
import {
  migratedDatabases,
  migratedOnPostgres,
  type MigratedDatabase,
} from '../../support/migrated-schema.js';

const topics = topicNames('it.loads.');

/** A step's command, its first attempt unless told. */
function command(sagaId: string, stepId: string, participant: string, attempt = 1): CommandMessage {
  return {
    messageId: commandMessageId(sagaId, stepId, 'execute', attempt),
    sagaId,
    sagaType: 'order',
    sagaVersion: 1,
    stepId,
    action: 'execute',
    attempt,
    participant,
    commandType: `${participant}.act`,
    idempotencyKey: `${sagaId}:${stepId}`,
    replyTo: topics.replies,
    payload: {},
    sentAt: new Date().toISOString(),
  };
}

/** The outbox row of a command; `sealed`, its payload hidden as a saga with sensitive fields has it. */
function commandRow(message: CommandMessage, sealed = false): OutboxRow {
  return {
    sagaId: message.sagaId,
    lane: 0,
    topic: topics.commands(message.participant),
    key: message.sagaId,
    headers: commandHeaders(message),
    payload: sealed ? { sealed: 'opaque' } : (message as unknown as JsonValue),
  };
}

/** The outbox row of one of the saga's events. */
function eventRow(sagaId: string): OutboxRow {
  const eventId = randomUUID();
  return {
    sagaId,
    lane: 0,
    topic: topics.events,
    key: sagaId,
    headers: sagaMessageHeaders(eventId, { sagaId, sagaType: 'order' }, MESSAGE_TYPES.event),
    payload: { eventId, sagaId, type: 'saga.step-succeeded' },
  };
}

/** A step awaiting the reply to `attempt`. */
const running = (attempt = 1): StepState => ({
  status: 'running',
  attempt,
  sentAt: 0,
  budgetFrom: 1,
});

/**
 * Starts a running saga with these steps in flight (step id → participant) and writes its rows
 * as a decision does (headers left out where the payload gives them); resolves with their ids.
 */
async function startSaga(
  sql: SqlRunner,
  sagaId: string,
  steps: Record<string, { participant: string; attempt?: number }>,
  rows: OutboxRow[],
): Promise<string[]> {
  const state: SagaState = {
    sagaId,
    sagaType: 'order',
    sagaVersion: 1,
    input: {},
    context: {},
    startedAt: 0,
    updatedAt: 0,
    pivotPassed: false,
    deadlinePassed: false,
    revision: 1,
    status: 'running',
    steps: Object.fromEntries(
      Object.entries(steps).map(([stepId, { attempt }]) => [stepId, running(attempt)]),
    ),
  };
  const written = await writeDecision(
    sql,
    {
      inserts: [
        {
          state,
          idempotencyKey: sagaId,
          traceContext: null,
          awaiting: Object.values(steps).map((step) => step.participant),
        },
      ],
      updates: [],
      unchanged: [],
      audit: [],
      outbox: rows,
      timers: [],
      cancelledTimers: [],
    },
    true,
  );
  return written.ids;
}

/** Marks the rows sent, as the relay does once the broker has them. */
async function markSent(sql: SqlRunner, ids: readonly string[]): Promise<void> {
  await sql.query(`UPDATE outbox SET sent_at = clock_timestamp() WHERE id = ANY($1::bigint[])`, [
    [...ids],
  ]);
}

/**
 * Sets the row aside and marks its saga stuck, as the relay does with a row it can never send
 * (the engine keeps the saga's steps in flight).
 */
async function setAside(sql: SqlRunner, sagaId: string, id: string, topic: string): Promise<void> {
  const marked = await setOutboxRowsAside(sql, [
    { id, sagaId, topic, reason: 'UNKNOWN_TOPIC_OR_PARTITION' },
  ]);
  expect(marked).toHaveLength(1);
  await sql.query(
    `UPDATE sagas SET status = 'stuck',
       state = state || jsonb_build_object('status', 'stuck', 'phase', 'forward', 'reason', $2::text)
     WHERE id = $1`,
    [sagaId, `a message to ${topic} can never be sent`],
  );
}

describe.each(migratedDatabases('it_stuck_loads'))(
  'the load of a participant and the stuck sagas, on %s',
  (_name, open) => {
    let subject: MigratedDatabase;
    let db: Database;
    const loads = async () =>
      Object.fromEntries((await db.transaction((sql) => capacityCounts(sql))).loads);

    beforeAll(async () => {
      subject = await open();
      db = subject.database;
    });
    afterAll(async () => {
      await subject?.dispose();
    });
    beforeEach(async () => {
      // The counts are the whole table's: each test starts from none.
      await db.query(`DELETE FROM outbox`);
      await db.query(`DELETE FROM sagas`);
    });

    /**
     * Four sagas awaiting `payment`: one running, its command not sent yet (counted, as every
     * command queued is); one stuck whose command was sent, a later row set aside (counted); one
     * stuck on its own command set aside; one stuck whose command waits behind its other step's
     * command, set aside (sealed, its headers all stored). Resolves with their ids.
     */
    async function fourSagas(): Promise<
      Record<'queued' | 'sent' | 'ownSetAside' | 'behind', string>
    > {
      const [queued, sent, ownSetAside, behind] = Array.from({ length: 4 }, () => randomUUID());
      await db.transaction(async (sql) => {
        await startSaga(sql, queued!, { pay: { participant: 'payment' } }, [
          commandRow(command(queued!, 'pay', 'payment')),
        ]);

        const [sentCommand, later] = await startSaga(
          sql,
          sent!,
          { pay: { participant: 'payment' } },
          [commandRow(command(sent!, 'pay', 'payment')), eventRow(sent!)],
        );
        await markSent(sql, [sentCommand!]);
        await setAside(sql, sent!, later!, topics.events);

        const [own] = await startSaga(sql, ownSetAside!, { pay: { participant: 'payment' } }, [
          commandRow(command(ownSetAside!, 'pay', 'payment')),
        ]);
        await setAside(sql, ownSetAside!, own!, topics.commands('payment'));

        const [first] = await startSaga(
          sql,
          behind!,
          { reserve: { participant: 'inventory' }, pay: { participant: 'payment' } },
          [
            commandRow(command(behind!, 'reserve', 'inventory'), true),
            commandRow(command(behind!, 'pay', 'payment'), true),
          ],
        );
        await setAside(sql, behind!, first!, topics.commands('inventory'));
      });
      return { queued: queued!, sent: sent!, ownSetAside: ownSetAside!, behind: behind! };
    }

    it('counts a stuck saga’s step only if its command was sent, not set aside nor behind a row set aside', async () => {
      await fourSagas();
      // Command rows of both kinds: headers left out (1, given by the payload), all stored (0).
      const kinds = await db.query<{ headers_from: number }>(
        `SELECT DISTINCT headers_from FROM outbox WHERE topic <> $1 ORDER BY headers_from`,
        [topics.events],
      );
      expect(kinds.map((row) => row.headers_from)).toEqual([0, 1]);

      expect(await loads()).toEqual({
        payment: { inFlight: 2, held: 0 },
        inventory: { inFlight: 0, held: 0 },
      });
    });

    it('counts a stuck saga’s step whose next attempt is held once, among neither', async () => {
      // Its first attempt set aside, its second held (the participant's breaker open meanwhile).
      const sagaId = randomUUID();
      await db.transaction(async (sql) => {
        const [first] = await startSaga(
          sql,
          sagaId,
          { pay: { participant: 'payment', attempt: 2 } },
          [commandRow(command(sagaId, 'pay', 'payment'))],
        );
        const retry = command(sagaId, 'pay', 'payment', 2);
        await holdCommands(sql, [{ ...commandRow(retry), sagaId, command: retry }]);
        await setAside(sql, sagaId, first!, topics.commands('payment'));
      });
      const other = randomUUID();
      await db.transaction(async (sql) => {
        const ids = await startSaga(sql, other, { pay: { participant: 'payment' } }, [
          commandRow(command(other, 'pay', 'payment')),
        ]);
        await markSent(sql, ids);
      });

      expect(await loads()).toEqual({ payment: { inFlight: 1, held: 0 } });
    });

    it('counts a stuck saga’s step set aside as never sent though an earlier attempt of it is still held', async () => {
      // Its second attempt set aside; the row of its first, superseded, left held.
      const sagaId = randomUUID();
      await db.transaction(async (sql) => {
        const [second] = await startSaga(
          sql,
          sagaId,
          { pay: { participant: 'payment', attempt: 2 } },
          [commandRow(command(sagaId, 'pay', 'payment', 2))],
        );
        const first = command(sagaId, 'pay', 'payment');
        await holdCommands(sql, [{ ...commandRow(first), sagaId, command: first }]);
        await setAside(sql, sagaId, second!, topics.commands('payment'));
      });

      expect(await loads()).toEqual({ payment: { inFlight: 0, held: 0 } });
    });

    it('counts no held command its saga no longer awaits, and a release takes it off', async () => {
      // Each awaits payment: `retried` at its second attempt, the first's command still held;
      // `ended` completed since its command was held; `waiting` at the attempt held.
      const [retried, ended, waiting] = Array.from({ length: 3 }, () => randomUUID()) as [
        string,
        string,
        string,
      ];
      const held = (sagaId: string, attempt = 1) => {
        const message = command(sagaId, 'pay', 'payment', attempt);
        return { ...commandRow(message), sagaId, command: message };
      };
      await db.transaction(async (sql) => {
        await startSaga(sql, retried, { pay: { participant: 'payment', attempt: 2 } }, []);
        await startSaga(sql, ended, { pay: { participant: 'payment' } }, []);
        await startSaga(sql, waiting, { pay: { participant: 'payment' } }, []);
        await holdCommands(sql, [held(retried), held(ended), held(waiting)]);
        await sql.query(
          `UPDATE sagas SET status = 'completed', awaiting = '{}',
           state = jsonb_set(state || '{"status": "completed"}', '{steps,pay,status}', '"succeeded"')
         WHERE id = $1`,
          [ended],
        );
      });
      const heldLeft = async () =>
        (
          await db.query<{ saga_id: string; attempt: number }>(
            `SELECT saga_id, attempt FROM held_commands ORDER BY id`,
          )
        ).map((row) => [row.saga_id, row.attempt]);

      // `retried`'s second attempt is in flight, `waiting`'s held.
      expect(await loads()).toEqual({ payment: { inFlight: 1, held: 1 } });
      // Its second attempt held too (the breaker opened meanwhile): counted once.
      await db.transaction((sql) => holdCommands(sql, [held(retried, 2)]));
      expect(await loads()).toEqual({ payment: { inFlight: 0, held: 2 } });

      // A release sends what is awaited and takes off the rest.
      const released = await db.transaction((sql) =>
        releaseHeld(sql, 'payment', 10, 10, (_sagaId, payload) => payload),
      );
      expect(released.outbox.rows.map((row) => row.sagaId)).toEqual([waiting, retried]);
      expect(await heldLeft()).toEqual([]);
    });

    it('releases a held command into the room the stuck sagas’ unsent commands leave under the cap', async () => {
      await fourSagas();
      const waiting = randomUUID();
      const message = command(waiting, 'pay', 'payment');
      await db.transaction(async (sql) => {
        await startSaga(sql, waiting, { pay: { participant: 'payment' } }, []);
        await holdCommands(sql, [{ ...commandRow(message), sagaId: waiting, command: message }]);
      });
      // In flight: the queued command and the stuck saga's one sent; so a cap of 3 leaves room for 1.
      const released = await db.transaction((sql) =>
        releaseHeld(sql, 'payment', 10, 3, (_sagaId, payload) => payload),
      );

      expect(released.released).toBe(1);
      expect(released.outbox.rows.map((row) => row.sagaId)).toEqual([waiting]);
      expect(await loads()).toMatchObject({ payment: { inFlight: 3, held: 0 } });
    });

    it('counts the step again once its saga is resumed and its command is back for the relay', async () => {
      const { ownSetAside } = await fourSagas();

      // What a resume does besides the engine's transition: the rows set aside come back.
      await db.transaction(async (sql) => {
        await releaseSetAside(sql, ownSetAside);
        await sql.query(`UPDATE sagas SET status = 'running' WHERE id = $1`, [ownSetAside]);
      });

      expect(await loads()).toMatchObject({ payment: { inFlight: 3, held: 0 } });
    });
  },
);

describe('the stuck sagas’ unsent commands, read for the caps through the indexes, on Postgres', () => {
  let subject: MigratedDatabase;

  beforeAll(async () => {
    subject = await migratedOnPostgres('it_stuck_loads');
    // A large outbox, nearly all sent: 5,000 sagas awaiting payment, one in a hundred stuck on
    // its first row, set aside, the others behind it.
    await subject.database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state, awaiting)
       SELECT gen_random_uuid(), 'order', 1, CASE WHEN n % 100 = 0 THEN 'stuck' ELSE 'running' END,
         n::text, '{"steps": {}}', '{payment}'
       FROM generate_series(1, 5000) AS n`,
    );
    await subject.database.query(
      `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload, sent_at,
         set_aside_at)
       SELECT s.id, 0, $1, s.id::text,
         jsonb_build_object('saga-reply-to', $2::text, 'saga-step-id', 'step-' || n), '{}',
         CASE WHEN s.status <> 'stuck' THEN now() END,
         CASE WHEN s.status = 'stuck' AND n = 1 THEN now() END
       FROM sagas s, generate_series(1, 4) AS n`,
      [topics.commands('payment'), topics.replies],
    );
    await subject.database.query(`ANALYZE sagas, outbox, held_commands`);
  });
  afterAll(async () => {
    await subject?.dispose();
  });

  /** The plans of the statements `run` sends, explained instead of run. */
  async function plansOf(run: (sql: SqlRunner) => Promise<unknown>): Promise<PlanNode[]> {
    const plans: PlanNode[] = [];
    await subject.database.transaction(async (sql) => {
      await run({
        query: async <Row>(text: string, parameters?: unknown[]) => {
          const [explained] = await sql.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
            `EXPLAIN (FORMAT JSON) ${text}`,
            parameters,
          );
          plans.push(explained!['QUERY PLAN'][0].Plan);
          return [] as Row[];
        },
      });
    });
    return plans;
  }

  it.each([
    ['capacityCounts', (sql: SqlRunner) => capacityCounts(sql)],
    ['releaseHeld', (sql: SqlRunner) => releaseHeld(sql, 'payment', 10, 100, (_id, p) => p)],
  ])(
    '%s reads the rows set aside, then their sagas’ unsent rows, never the whole outbox',
    async (_name, run) => {
      const paths = (await plansOf(run)).flatMap(accessPaths);

      expect(paths).toContain('outbox_set_aside_idx');
      expect(paths).toContain('outbox_unsent_saga_idx');
      expect(paths).not.toContain('Seq Scan on outbox');
    },
  );

  it('counts none of those stuck sagas’ steps in flight', async () => {
    const { loads } = await subject.database.transaction((sql) => capacityCounts(sql));

    expect(loads.get('payment')).toEqual({ inFlight: 4_950, held: 0 });
  });
});
