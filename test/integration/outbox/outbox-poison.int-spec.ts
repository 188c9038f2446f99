// A poison outbox row on the real Kafka and Postgres (issue 14, item 6): a row for a topic that
// does not exist (automatic topic creation is off) and a row whose sealed payload no key opens.
// Each is set aside with its reason, its saga shows `stuck` (GET /sagas/:id, GET /sagas/stuck,
// the saga_stuck metric, its `saga.stuck` event), the later rows of that saga wait behind it, the other sagas of the
// lane go on, and pruning still runs.
import { randomUUID } from 'node:crypto';
import type { CommandMessage, ReplyOutcome } from '#contracts';
import { HEADERS, topicNames } from '#contracts';
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
import { readTopics } from '../../support/topic-reader.js';
import { waitFor } from '../../support/wait-for.js';

interface SagaView {
  status: string;
  reason: string | null;
}

describe('a poison outbox row on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let app: CoordinatorApp;
  let participants: ScriptedParticipants;
  /** Orders whose commands go unanswered (their sagas wait at the first step). */
  const unanswered = new Set<string>();
  const script = (command: CommandMessage): ReplyOutcome | undefined =>
    unanswered.has((command.payload as { orderId?: string }).orderId ?? '')
      ? undefined
      : succeed(command);

  const sagaView = async (sagaId: string): Promise<SagaView> => {
    const response = await app.request('GET', `/sagas/${sagaId}`);
    expect(response.status).toBe(200);
    return (await response.json()) as SagaView;
  };
  /**
   * Inserts outbox rows in this order (lane 0: the only lane), keyed by their saga, or by `key`
   * for a row of no saga (a breaker event); resolves with their ids.
   */
  const insertRows = async (
    rows: (
      | { sagaId: string; topic: string; messageId: string; payload: unknown }
      | { sagaId: null; key: string; topic: string; messageId: string; payload: unknown }
    )[],
  ): Promise<string[]> => {
    const ids: string[] = [];
    for (const row of rows) {
      const [inserted] = await environment.db.query<{ id: string }>(
        `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload)
         VALUES ($1::uuid, 0, $2, $3, $4, $5) RETURNING id`,
        [
          row.sagaId,
          row.topic,
          row.sagaId ?? row.key,
          JSON.stringify({ [HEADERS.messageId]: row.messageId }),
          JSON.stringify(row.payload),
        ],
      );
      ids.push(String(inserted!.id));
    }
    return ids;
  };
  const outboxRow = async (id: string) =>
    (
      await environment.db.query<{
        sent_at: Date | null;
        set_aside_at: Date | null;
        set_aside_reason: string | null;
      }>(`SELECT sent_at, set_aside_at, set_aside_reason FROM outbox WHERE id = $1`, [id])
    )[0];

  /** Whether the row was sent (null: there is no such row). */
  const sent = async (id: string): Promise<boolean | null> => {
    const [row] = await environment.db.query<{ sent: boolean }>(
      `SELECT sent_at IS NOT NULL AS sent FROM outbox WHERE id = $1`,
      [id],
    );
    return row === undefined ? null : row.sent;
  };

  beforeAll(async () => {
    environment = await createEnvironment('it_poison');
    app = await startCoordinatorApp(environment, createSampleSagaRegistry(), {
      OUTBOX_LANES: '1',
      RELAY_GRACE_MS: '0',
      OUTBOX_SET_ASIDE_AFTER_MS: '0',
      OUTBOX_SET_ASIDE_RETRY_MS: '1000',
      RETENTION_INTERVAL_MS: '200',
      RETENTION_BATCH_PAUSE_MS: '0',
    });
    participants = await ScriptedParticipants.start(environment, { script });
  });

  afterAll(async () => {
    await participants?.stop();
    await app?.close();
    await environment?.dispose();
  });

  /** What the first test set up, for the second. */
  const first = { poisoned: '', missingTopic: '', later: '', ended: '' };

  it('sets the row aside, shows its saga stuck with the reason, and lets the lane and pruning go on', async () => {
    const topics = topicNames(environment.topicPrefix);
    unanswered.add('poisoned-1');
    unanswered.add('poisoned-2');
    const poisoned = await startOrder(app, 'poisoned-1');
    const sealedAway = await startOrder(app, 'poisoned-2');
    await participants.waitForCommand({ sagaId: poisoned });
    await participants.waitForCommand({ sagaId: sealedAway });
    // A sent row an hour and more old: the retention job prunes it.
    const [prunable] = await insertRows([
      { sagaId: randomUUID(), topic: topics.events, messageId: 'old', payload: {} },
    ]);
    await environment.db.query(
      `UPDATE outbox SET sent_at = now() - interval '2 hours' WHERE id = $1`,
      [prunable],
    );

    const other = randomUUID();
    const [missingTopic, later, otherSaga, unopenable] = await insertRows([
      {
        sagaId: poisoned,
        topic: `${environment.topicPrefix}no-such-topic`,
        messageId: `poison-${poisoned}`,
        payload: { n: 1 },
      },
      { sagaId: poisoned, topic: topics.events, messageId: `later-${poisoned}`, payload: {} },
      { sagaId: other, topic: topics.events, messageId: `other-${other}`, payload: {} },
      {
        sagaId: sealedAway,
        topic: topics.events,
        messageId: `sealed-${sealedAway}`,
        payload: { sealed: 'enc:v1:removed-key:AAAA:AAAA:AAAA' },
      },
    ]);

    // The other saga of the lane goes on.
    await waitFor(
      'the other saga’s row to be sent',
      async () => (await sent(otherSaga!)) === true,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await waitForSagas(environment.db, [poisoned, sealedAway], ['stuck']);
    const view = await sagaView(poisoned);
    expect(view).toMatchObject({ status: 'stuck' });
    expect(view.reason).toContain(
      `a message to ${environment.topicPrefix}no-such-topic can never be sent: UNKNOWN_TOPIC_OR_PARTITION`,
    );
    expect((await sagaView(sealedAway)).reason).toContain('its payload cannot be opened');
    const stuck = (await (await app.request('GET', '/sagas/stuck')).json()) as {
      items: { sagaId: string; reason: string }[];
    };
    expect(stuck.items.map((item) => item.sagaId)).toEqual(
      expect.arrayContaining([poisoned, sealedAway]),
    );
    const metrics = await (await app.request('GET', '/metrics')).text();
    expect(metrics).toMatch(/saga_stuck\{kind="stuck"\} 2/);

    await waitFor(
      'the poison rows to be set aside',
      async () =>
        (await outboxRow(missingTopic!))?.set_aside_at &&
        (await outboxRow(unopenable!))?.set_aside_at,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect((await outboxRow(missingTopic!))?.set_aside_reason).toMatch(
      /^UNKNOWN_TOPIC_OR_PARTITION/,
    );
    expect((await outboxRow(unopenable!))?.set_aside_reason).toMatch(
      /its payload cannot be opened: UnsealError: no key removed-key/,
    );
    // The later row of the poisoned saga waits behind it.
    expect(await outboxRow(later!)).toMatchObject({ sent_at: null, set_aside_at: null });
    const onEvents = (await readTopics([topics.events])).map(
      (record) => record.headers[HEADERS.messageId],
    );
    expect(onEvents).toContain(`other-${other}`);
    expect(onEvents).not.toContain(`later-${poisoned}`);
    // The sagas' `saga.stuck` events, written as their rows were set aside, are not behind them.
    await waitFor(
      'the saga.stuck events of both sagas',
      async () => {
        const stuckEvents = (await readTopics([topics.events]))
          .map((record) => JSON.parse(record.value ?? '{}') as { type?: string; sagaId?: string })
          .filter((event) => event.type === 'saga.stuck')
          .map((event) => event.sagaId);
        return stuckEvents.includes(poisoned) && stuckEvents.includes(sealedAway);
      },
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    // A saga started now flows to its end.
    const fresh = await startOrder(app, 'fresh-1');
    await waitForSagas(environment.db, [fresh], ['completed']);
    Object.assign(first, { poisoned, missingTopic, later, ended: fresh });
    // Pruning ran despite the poison.
    await waitFor('the old sent row to be pruned', async () => (await sent(prunable!)) === null);
  });

  it('tries again by itself a row set aside that stops no saga, and sends it once the cause is fixed', async () => {
    const { poisoned, missingTopic, ended } = first;
    expect(ended).not.toBe('');
    const revoked = `${environment.topicPrefix}revoked-topic`;
    // The last event of a saga that had ended, and a breaker event (no saga), to a topic that
    // is not there: nothing waits on them, so no resume can release them.
    const [endedRow, noSagaRow] = await insertRows([
      { sagaId: ended, topic: revoked, messageId: `late-${ended}`, payload: {} },
      { sagaId: null, key: 'payments', topic: revoked, messageId: 'breaker-event', payload: {} },
    ]);
    // Two passes of the relay, each with one send that kafkajs retries for some 9 s (the topic is
    // gone): the first, whose failure then must last, and the one that sets both rows aside.
    await waitFor(
      'both rows to be set aside',
      async () =>
        Boolean(
          (await outboxRow(endedRow!))?.set_aside_at && (await outboxRow(noSagaRow!))?.set_aside_at,
        ),
      { timeoutMs: 50_000, intervalMs: 50 },
    );
    expect((await sagaView(ended)).status).toBe('completed');
    await participants.transport.administrator.ensureTopics([{ topic: revoked, partitions: 1 }]);
    // The breaker's next event, sendable at once, waits behind the one set aside until that one
    // is released and sent: it must not overtake it.
    const [laterRow] = await insertRows([
      { sagaId: null, key: 'payments', topic: revoked, messageId: 'breaker-later', payload: {} },
    ]);
    await waitFor(
      'the rows to be sent',
      async () =>
        (await sent(endedRow!)) === true &&
        (await sent(noSagaRow!)) === true &&
        (await sent(laterRow!)) === true,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const onTopic = (await readTopics([revoked])).map(
      (record) => record.headers[HEADERS.messageId],
    );
    expect(onTopic).toEqual(expect.arrayContaining([`late-${ended}`, 'breaker-event']));
    expect(onTopic.filter((id) => id?.startsWith('breaker-'))).toEqual([
      'breaker-event',
      'breaker-later',
    ]);
    // The stuck saga's row set aside waits for its resume: the same release passed it by.
    expect((await outboxRow(missingTopic))?.set_aside_at).not.toBeNull();
    expect((await sagaView(poisoned)).status).toBe('stuck');
  });

  it('releases the rows set aside when an operator resumes the saga, once the cause is fixed', async () => {
    const { poisoned, missingTopic, later } = first;
    expect(poisoned).not.toBe('');
    await participants.transport.administrator.ensureTopics([
      { topic: `${environment.topicPrefix}no-such-topic`, partitions: 1 },
    ]);
    const resumed = await app.request('POST', `/sagas/${poisoned}/resume`);
    expect(resumed.status).toBe(200);
    expect(((await resumed.json()) as { status: string }).status).toBe('running');
    await waitFor(
      'the released rows to be sent',
      async () => (await sent(missingTopic)) === true && (await sent(later)) === true,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(await outboxRow(missingTopic)).toMatchObject({ set_aside_at: null });
  });
});
