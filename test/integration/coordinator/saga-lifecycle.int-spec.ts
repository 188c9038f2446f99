// Sagas started through the coordinator's decisions and over `saga.start` run to their end on
// the real Kafka and Postgres, with the sample participants on Kafka.
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES } from '#contracts';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { readTopics, type TopicRecord } from '../../support/topic-reader.js';
import { waitFor } from '../../support/wait-for.js';

const orderInput = (orderId: string, amount = 120) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'apple', quantity: 1 }],
  amount,
  currency: 'EUR',
});

describe('a coordinator on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>>;

  beforeAll(async () => {
    environment = await createEnvironment('it_lifecycle');
    coordinator = await startCoordinator(environment);
    participants = await startKafkaParticipants(environment);
  });

  afterAll(async () => {
    await participants?.stop();
    await coordinator?.stop();
    await environment?.dispose();
  });

  it('completes an order saga and tells its whole story in the audit log', async () => {
    const answer = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'order-1',
      input: orderInput('o-1'),
    });
    expect(answer).toMatchObject({ created: true, status: 'running' });
    await waitForSagas(environment.db, [answer.sagaId], ['completed']);
    const audit = await environment.db.query<{
      event_type: string;
      step_id: string | null;
      to_status: string;
    }>(`SELECT event_type, step_id, to_status FROM saga_audit WHERE saga_id = $1 ORDER BY id`, [
      answer.sagaId,
    ]);
    expect(audit[0]).toMatchObject({ event_type: 'start', to_status: 'running' });
    expect(audit.at(-1)).toMatchObject({ to_status: 'completed' });
    const repliedSteps = new Set(
      audit.filter((row) => row.event_type === 'reply').map((row) => row.step_id),
    );
    expect([...repliedSteps].sort()).toEqual([
      'authorize-payment',
      'capture-payment',
      'notify-customer',
      'reserve-inventory',
      'schedule-shipping',
    ]);
  });

  it('answers the same idempotency key with the same saga', async () => {
    const first = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'order-2',
      input: orderInput('o-2'),
    });
    const again = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'order-2',
      input: orderInput('o-2'),
    });
    expect(again).toEqual({ sagaId: first.sagaId, created: false, status: expect.any(String) });
    const [count] = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sagas WHERE idempotency_key = 'order-2'`,
    );
    expect(count?.n).toBe(1);
  });

  it('compensates an order whose payment is declined', async () => {
    const answer = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'order-3',
      input: orderInput('o-3', 50_000),
    });
    await waitForSagas(environment.db, [answer.sagaId], ['compensated']);
    const releases = participants.ledgers.inventory.entries.filter((entry) =>
      entry.idempotencyKey.startsWith(answer.sagaId),
    );
    expect(releases.map((entry) => entry.commandType)).toEqual([
      'inventory.reserve',
      'inventory.release',
    ]);
  });

  it('starts a saga from a message on saga.start, once per idempotency key', async () => {
    const message = { sagaType: 'order', idempotencyKey: 'order-4', input: orderInput('o-4') };
    const headers = {
      [HEADERS.messageType]: MESSAGE_TYPES.start,
      [HEADERS.contentType]: JSON_CONTENT_TYPE,
    };
    await participants.transport.publisher.publish([
      { topic: coordinator.topics.start, key: 'order-4', headers, value: JSON.stringify(message) },
      { topic: coordinator.topics.start, key: 'order-4', headers, value: JSON.stringify(message) },
    ]);
    const [row] = await waitFor('the saga started from the topic', async () => {
      const rows = await environment.db.query<{ id: string }>(
        `SELECT id FROM sagas WHERE idempotency_key = 'order-4'`,
      );
      return rows.length > 0 ? rows : undefined;
    });
    await waitForSagas(environment.db, [row!.id], ['completed']);
    const [count] = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sagas WHERE idempotency_key = 'order-4'`,
    );
    expect(count?.n).toBe(1);
  });

  it('sends a saga’s commands, and one event that names its idempotency key for the starter', async () => {
    const answer = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'order-5',
      input: orderInput('o-5'),
    });
    await waitForSagas(environment.db, [answer.sagaId], ['completed']);
    const { topics } = coordinator;
    const participantTopics = ['inventory', 'payment', 'shipping', 'notification'].map((name) =>
      topics.commands(name),
    );
    const ofSaga = (records: TopicRecord[]) =>
      records.filter((record) => record.headers[HEADERS.sagaId] === answer.sagaId);
    // Distinct message ids: a producer's retry may repeat a record, never a message.
    const distinct = (records: TopicRecord[]) =>
      new Set(records.map((record) => record.headers[HEADERS.messageId])).size;
    const records = await waitFor('the saga’s event on saga.events', async () => {
      const found = ofSaga(await readTopics([topics.events, topics.replies, ...participantTopics]));
      return found.some((record) => record.topic === topics.events) ? found : undefined;
    });
    const on = (topic: string) => records.filter((record) => record.topic === topic);
    expect(on(topics.events).map((record) => JSON.parse(record.value!))).toEqual([
      expect.objectContaining({ type: 'saga.completed', idempotencyKey: 'order-5' }),
    ]);
    expect(distinct(participantTopics.flatMap(on))).toBe(5);
    expect(distinct(on(topics.replies))).toBe(5);
  });
});
