// Replies are fenced (../shared/DESIGN.md, "Durable execution"): the test plays the participants
// on the real Kafka and sends the coordinator duplicates, stale and stray replies and garbage;
// only the one reply each attempt waits for changes a saga, and garbage goes to the dead-letter
// topic without stopping the partition.
import { randomUUID } from 'node:crypto';
import {
  DEAD_LETTER_HEADERS,
  HEADERS,
  JSON_CONTENT_TYPE,
  MESSAGE_TYPES,
  type ReplyMessage,
} from '#contracts';
import type { OutgoingMessage } from '#saga-core';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { auditRecords, sagaRecord, waitForAudit, waitForStep } from '../../support/saga-records.js';
import {
  ScriptedParticipants,
  succeed,
  transientError,
} from '../../support/scripted-participants.js';
import { recordTopics, type TopicRecorder } from '../../support/topic-recorder.js';
import { waitFor } from '../../support/wait-for.js';
import { orderInput } from '../../support/saga-load.js';

// Reply timeouts of 20 s and a deadline of 40 min: no timer fires by itself during a test, so
// every change to a saga comes from a reply the test sent.
const TIME_SCALE = '4';
/** Marks the messages of one case, to find them again in a dead-letter topic. */
const CASE_HEADER = 'test-case';

describe('reply fencing on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime;
  let participants: ScriptedParticipants;
  let deadLetters: TopicRecorder;

  beforeAll(async () => {
    environment = await createEnvironment('it_fencing');
    coordinator = await startCoordinator(environment, { TIME_SCALE });
    participants = await ScriptedParticipants.start(environment);
    deadLetters = await recordTopics(
      participants.transport,
      [
        coordinator.topics.deadLetter(coordinator.topics.replies),
        coordinator.topics.deadLetter(coordinator.topics.start),
      ],
      { groupId: `${environment.schema}.dead-letters` },
    );
  });

  afterAll(async () => {
    await deadLetters?.stop();
    await participants?.stop();
    await coordinator?.stop();
    await environment?.dispose();
  });

  /** The envelope of a reply, as a message on `saga.replies` keyed by the saga id. */
  function replyRecord(reply: ReplyMessage, headers: Record<string, string> = {}): OutgoingMessage {
    return {
      topic: coordinator.topics.replies,
      key: reply.sagaId,
      headers: {
        [HEADERS.messageId]: reply.messageId,
        [HEADERS.sagaId]: reply.sagaId,
        [HEADERS.messageType]: MESSAGE_TYPES.reply,
        [HEADERS.contentType]: JSON_CONTENT_TYPE,
        ...headers,
      },
      value: JSON.stringify(reply),
    };
  }

  /**
   * Sends a reply that only the audit log notices (a step the saga does not have) and waits for
   * it: everything sent before it on the same key has then been consumed.
   */
  let markers = 0;
  async function drain(sagaId: string): Promise<void> {
    const messageId = `marker:${randomUUID()}`;
    const stepId = `marker-${++markers}`;
    await participants.publish([
      replyRecord({
        messageId,
        sagaId,
        stepId,
        action: 'execute',
        attempt: 1,
        outcome: { status: 'success', result: null },
        repliedAt: new Date().toISOString(),
      }),
    ]);
    await waitForAudit(
      environment.db,
      sagaId,
      `the marker ${messageId}`,
      (row) => row.step_id === stepId && row.detail === `ignored: no step ${stepId} in this saga`,
    );
  }

  const replyAudit = async (sagaId: string, stepId: string) =>
    (await auditRecords(environment.db, sagaId)).filter(
      (row) => row.event_type === 'reply' && row.step_id === stepId,
    );

  it('applies the same reply delivered four times once: in state, in the audit log and for the breaker', async () => {
    const inventorySuccesses = () =>
      coordinator.gate.status(['inventory'])[0]!.breaker.totals.successes;
    const { sagaId, reserve } = await participants.startOrder(coordinator, 'fence-duplicate');
    const successesBefore = inventorySuccesses();
    const reply = await participants.reply(reserve, succeed(reserve));
    // The same message twice more at once, and once more later on.
    await participants.publish([replyRecord(reply), replyRecord(reply)]);
    await waitForStep(environment.db, sagaId, 'reserve-inventory', 'succeeded');
    await drain(sagaId);
    const applied = await sagaRecord(environment.db, sagaId);
    await participants.publish([replyRecord(reply)]);
    await drain(sagaId);

    expect(await sagaRecord(environment.db, sagaId)).toEqual(applied);
    expect(applied?.state.context).toMatchObject({ reservationId: expect.any(String) });
    // The state fences the copies (no inbox): each is audited as ignored, none applied.
    const audit = await waitFor('the four deliveries audited', async () => {
      const rows = await replyAudit(sagaId, 'reserve-inventory');
      return rows.length === 4 ? rows : undefined;
    });
    expect(audit[0]).toMatchObject({
      attempt: 1,
      applied: true,
      detail: 'step reserve-inventory succeeded',
    });
    for (const copy of audit.slice(1)) {
      expect(copy).toMatchObject({ attempt: 1, applied: false });
      expect(copy.detail).toContain('duplicate or late reply');
    }
    // The copies are no samples for the participant's breaker, nor answers for its load.
    expect(inventorySuccesses() - successesBefore).toBe(1);
  });

  it('audits a second answer to an attempt, under another message id, as ignored', async () => {
    const { sagaId, reserve } = await participants.startOrder(coordinator, 'fence-second-answer');
    await participants.reply(reserve, succeed(reserve));
    await waitForStep(environment.db, sagaId, 'reserve-inventory', 'succeeded');
    const before = await sagaRecord(environment.db, sagaId);

    await participants.reply(reserve, succeed(reserve), {
      messageId: `again:${reserve.messageId}`,
    });
    const ignored = await waitForAudit(
      environment.db,
      sagaId,
      'the second answer to be audited',
      (row) => row.event_type === 'reply' && row.applied === false,
    );

    expect(ignored).toMatchObject({ step_id: 'reserve-inventory', attempt: 1 });
    expect(ignored.detail).toContain('duplicate or late reply');
    expect(await sagaRecord(environment.db, sagaId)).toEqual(before);
  });

  it('ignores a reply for an old attempt, changes nothing and audits it as ignored', async () => {
    const { sagaId, reserve } = await participants.startOrder(coordinator, 'fence-old-attempt');
    await participants.reply(reserve, transientError);
    const second = await participants.waitForCommand({
      sagaId,
      stepId: 'reserve-inventory',
      attempt: 2,
    });
    await waitForStep(environment.db, sagaId, 'reserve-inventory', 'running', 2);
    const before = await sagaRecord(environment.db, sagaId);

    // Attempt 1 answers at last, with success, under a message id of its own.
    await participants.reply(reserve, succeed(reserve), { messageId: `late:${reserve.messageId}` });
    const ignored = await waitForAudit(
      environment.db,
      sagaId,
      'the late reply to be audited',
      (row) => row.event_type === 'reply' && row.attempt === 1 && row.applied === false,
    );
    expect(ignored.detail).toBe(
      'ignored: a reply to execute reserve-inventory attempt 1, which waits for attempt 2',
    );
    expect(await sagaRecord(environment.db, sagaId)).toEqual(before);

    // The attempt the step waits for is applied.
    await participants.reply(second.command, succeed(second.command));
    await waitForStep(environment.db, sagaId, 'reserve-inventory', 'succeeded', 2);
    expect(
      (await replyAudit(sagaId, 'reserve-inventory')).map((row) => [row.attempt, row.applied]),
    ).toEqual([
      [1, true],
      [1, false],
      [2, true],
    ]);
  });

  it('dead-letters a reply for an unknown saga with the reason, and changes nothing', async () => {
    const { sagaId } = await participants.startOrder(coordinator, 'fence-unknown-saga');
    const before = await sagaRecord(environment.db, sagaId);
    const countSagas = async () =>
      (await environment.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM sagas`))[0]?.n;
    const sagasBefore = await countSagas();
    const strangers = [randomUUID(), 'not-a-saga-id'];
    const replies = strangers.map((stranger): ReplyMessage => ({
      messageId: `stray:${stranger}`,
      sagaId: stranger,
      stepId: 'reserve-inventory',
      action: 'execute',
      attempt: 1,
      outcome: { status: 'success', result: { reservationId: 'r-1' } },
      repliedAt: new Date().toISOString(),
    }));

    await participants.publish(
      replies.map((reply) => replyRecord(reply, { [CASE_HEADER]: reply.sagaId })),
    );
    for (const stranger of strangers) {
      const letter = await deadLetters.waitForMessage(
        `the dead letter of the reply for ${stranger}`,
        (message) => message.headers[CASE_HEADER] === stranger,
      );
      expect(letter.headers[DEAD_LETTER_HEADERS.reason]).toBe(
        `reply for saga ${stranger}, unknown here (another deployment's, or deleted by retention)`,
      );
    }

    const traces = await environment.db.query<{ n: number }>(
      `SELECT (SELECT count(*) FROM saga_audit WHERE saga_id::text = ANY($1))
            + (SELECT count(*) FROM outbox WHERE saga_id::text = ANY($1)) AS n`,
      [strangers],
    );
    expect(Number(traces[0]?.n)).toBe(0);
    expect(await countSagas()).toBe(sagasBefore);
    expect(await sagaRecord(environment.db, sagaId)).toEqual(before);
  });

  it('dead-letters malformed replies with the reason, and goes on consuming after them', async () => {
    const { sagaId, authorize } = await participants.startOrder(coordinator, 'fence-malformed');
    const before = await sagaRecord(environment.db, sagaId);
    const valid = participants.envelope(authorize, succeed(authorize));
    const { attempt: _attempt, ...withoutAttempt } = valid;
    const garbage: Record<string, string> = {
      'bad JSON': '{"messageId": "x", "sagaId": ',
      'wrong schema': JSON.stringify({ ...valid, outcome: { status: 'maybe' } }),
      'missing field': JSON.stringify(withoutAttempt),
      'null field': JSON.stringify({ ...valid, outcome: null }),
      'null body': 'null',
    };
    const reasons: Record<string, RegExp> = {
      'bad JSON': /^invalid reply: \(root\): not valid JSON$/,
      'wrong schema': /^invalid reply: outcome\.status: /,
      'missing field': /^invalid reply: attempt: /,
      'null field': /^invalid reply: outcome: /,
      'null body': /^invalid reply: \(root\): /,
      'no value': /^empty message: a reply needs a JSON body$/,
    };
    // All on the saga's key, so on one partition, in this order: the garbage, then the valid reply.
    await participants.publish(
      Object.entries(garbage).map(([name, value]) => ({
        ...replyRecord(valid, { [CASE_HEADER]: name }),
        value,
      })),
    );
    await participants.sendRecords(coordinator.topics.replies, [
      { key: sagaId, value: null, headers: { [CASE_HEADER]: 'no value' } },
    ]);
    await participants.publish([replyRecord(valid)]);

    for (const [name, reason] of Object.entries(reasons)) {
      const letter = await deadLetters.waitForMessage(
        `the dead letter "${name}"`,
        (message) => message.headers[CASE_HEADER] === name,
      );
      expect({ name, reason: letter.headers[DEAD_LETTER_HEADERS.reason] }).toEqual({
        name,
        reason: expect.stringMatching(reason),
      });
      expect(letter).toMatchObject({
        topic: coordinator.topics.deadLetter(coordinator.topics.replies),
        key: sagaId,
        value: garbage[name] ?? null,
        headers: expect.objectContaining({
          [DEAD_LETTER_HEADERS.originalTopic]: coordinator.topics.replies,
          [DEAD_LETTER_HEADERS.originalOffset]: expect.stringMatching(/^\d+$/),
        }),
      });
    }
    await waitForStep(environment.db, sagaId, 'authorize-payment', 'succeeded');
    expect((await sagaRecord(environment.db, sagaId))?.row_version).toBe(
      (before?.row_version ?? 0) + 1,
    );
    expect(await replyAudit(sagaId, 'authorize-payment')).toEqual([
      expect.objectContaining({ attempt: 1, applied: true }),
    ]);
  });

  it('dead-letters a malformed start request and an unknown saga type, and starts the next one', async () => {
    const key = 'start-garbage';
    const start = (name: string, value: string): OutgoingMessage => ({
      topic: coordinator.topics.start,
      key,
      headers: {
        [HEADERS.messageType]: MESSAGE_TYPES.start,
        [HEADERS.contentType]: JSON_CONTENT_TYPE,
        [CASE_HEADER]: name,
      },
      value,
    });
    const cases: [name: string, value: unknown, reason: RegExp][] = [
      [
        'start: bad JSON',
        '{"sagaType":',
        /^invalid start request: \(root\): not valid JSON; its value was dropped: /,
      ],
      [
        'start: missing field',
        { sagaType: 'order', input: orderInput('o-missing') },
        /^invalid start request: idempotencyKey: /,
      ],
      [
        'start: unknown saga type',
        { sagaType: 'no-such-saga', idempotencyKey: key, input: {} },
        /^refused: unknown saga type "no-such-saga"$/,
      ],
      [
        'start: invalid input',
        { sagaType: 'order', idempotencyKey: `${key}-invalid`, input: { orderId: 'o-1' } },
        /^refused: invalid input: .*customerId/,
      ],
    ];
    await participants.publish([
      ...cases.map(([name, value]) =>
        start(name, typeof value === 'string' ? value : JSON.stringify(value)),
      ),
      start(
        'start: valid',
        JSON.stringify({ sagaType: 'order', idempotencyKey: key, input: orderInput('o-start') }),
      ),
    ]);

    for (const [name, , reason] of cases) {
      const letter = await deadLetters.waitForMessage(
        `the dead letter "${name}"`,
        (message) => message.headers[CASE_HEADER] === name,
      );
      expect({ name, reason: letter.headers[DEAD_LETTER_HEADERS.reason] }).toEqual({
        name,
        reason: expect.stringMatching(reason),
      });
      expect(letter.topic).toBe(coordinator.topics.deadLetter(coordinator.topics.start));
      expect(letter.headers[DEAD_LETTER_HEADERS.originalTopic]).toBe(coordinator.topics.start);
    }
    const started = await waitFor('the valid start request to start its saga', async () => {
      const rows = await environment.db.query<{ saga_type: string; idempotency_key: string }>(
        `SELECT saga_type, idempotency_key FROM sagas WHERE idempotency_key LIKE 'start-garbage%'`,
      );
      return rows.length > 0 ? rows : undefined;
    });
    expect(started).toEqual([{ saga_type: 'order', idempotency_key: key }]);
    expect(
      deadLetters.messages.some((message) => message.headers[CASE_HEADER] === 'start: valid'),
    ).toBe(false);
  });
});
