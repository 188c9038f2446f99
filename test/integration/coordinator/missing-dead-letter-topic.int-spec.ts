// A dead-letter topic missing when the coordinator starts (an operator deleted it to purge it,
// or the coordinator may not see it) on the real Kafka and Postgres. The dead-letter index is
// best effort: the coordinator becomes ready and its timers run all the same, the dead letters
// of the other topics are still indexed, and the missing topic is read once it is back.
import { topicNames } from '#contracts';
import { KafkaTransport, type MessageTransport } from '#messaging';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createCoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-core.module.js';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  createEnvironment,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { orderInput } from '../../support/saga-load.js';
import { ScriptedParticipants } from '../../support/scripted-participants.js';
import { kafkaBrokers } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

/** Reply timeouts of 500 ms (5 s scaled). */
const TIME_SCALE = '0.1';

describe('a dead-letter topic missing at start-up', () => {
  let environment: CoordinatorEnvironment;
  let kafka: KafkaTransport;
  let coordinator: CoordinatorRuntime;
  let participants: ScriptedParticipants | undefined;
  let missing: string;

  beforeAll(async () => {
    environment = await createEnvironment('it_dlq_missing');
    const topics = topicNames(environment.topicPrefix);
    missing = topics.deadLetter(topics.commands('payment'));
    kafka = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'it-dlq-missing' });
    // The coordinator creates its topics at start-up: this one it is kept from creating, as if
    // it were deleted right after, or the coordinator had no right to see it.
    const transport: MessageTransport = {
      publisher: kafka.publisher,
      administrator: {
        ensureTopics: (specs) =>
          kafka.administrator.ensureTopics(specs.filter(({ topic }) => topic !== missing)),
        missingTopics: (names) => kafka.administrator.missingTopics(names),
      },
      createConsumer: (tuning) => kafka.createConsumer(tuning),
      close: () => kafka.close(),
    };
    coordinator = await createCoordinatorRuntime({
      config: environment.config({ TIME_SCALE }),
      registry: createSampleSagaRegistry(),
      transport,
    });
    await coordinator.start({ waitForConsumers: false });
  });

  afterAll(async () => {
    await participants?.stop();
    await coordinator?.stop();
    await environment?.dispose();
  });

  /** The dead-letter topics of the rows recorded in `dead_letters`. */
  async function indexedTopics(): Promise<string[]> {
    const rows = await environment.db.query<{ topic: string }>(
      `SELECT DISTINCT topic FROM dead_letters`,
    );
    return rows.map((row) => row.topic);
  }

  async function gauge(name: string): Promise<string> {
    return coordinator.metrics.registry.getSingleMetricAsString(name);
  }

  it('becomes ready, runs its timers, indexes the other dead letters, and reads the topic once it is back', async () => {
    const topics = topicNames(environment.topicPrefix);
    await waitFor(
      () => `the coordinator to consume (it says: ${coordinator.consumerProblem()})`,
      () => coordinator.isConsuming(),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    await coordinator.consuming; // the timers and the bulk worker have started

    // A reply timeout fires: the unanswered attempt is sent again.
    participants = await ScriptedParticipants.start(environment);
    const { sagaId } = await coordinator.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'dlq-missing',
      input: orderInput('dlq-missing'),
    });
    await participants.waitForCommand({ sagaId, stepId: 'reserve-inventory', attempt: 2 });

    // A start the coordinator refuses is dead-lettered and indexed.
    await participants.publish([
      { topic: topics.start, key: 'not-json', headers: {}, value: 'not json' },
    ]);
    const startDeadLetters = topics.deadLetter(topics.start);
    await waitFor(
      `a dead letter of ${startDeadLetters} indexed`,
      async () => (await indexedTopics()).includes(startDeadLetters),
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(await gauge('saga_dead_letter_topics_left_out')).toContain(
      'saga_dead_letter_topics_left_out 1',
    );
    expect(coordinator.isConsuming()).toBe(true);

    // The topic comes back: its dead letters are indexed too.
    await kafka.administrator.ensureTopics([{ topic: missing, partitions: 3 }]);
    await participants.publish([
      { topic: missing, key: sagaId, headers: { 'dlq-reason': 'refused' }, value: '{}' },
    ]);
    await waitFor(
      `a dead letter of ${missing} indexed`,
      async () => (await indexedTopics()).includes(missing),
      { timeoutMs: 45_000, intervalMs: 200 },
    );
    expect(await gauge('saga_dead_letter_topics_left_out')).toContain(
      'saga_dead_letter_topics_left_out 0',
    );
    expect(coordinator.isConsuming()).toBe(true);
  });
});
