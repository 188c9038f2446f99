// The late-command window (issue: a compensation delivered before its own command). The first
// send of every inventory command fails on the fast path, so the command waits in the outbox
// for the relay, longer than the step's reply timeout. The reply timeout must count from when
// the command reached the broker (the saga is delayed, not failed), a saga's later messages
// must never overtake that command, and no effect may be left applied without its undo.
import { topicNames } from '#contracts';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createCoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-core.module.js';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { KafkaTransport, type MessageTransport } from '#messaging';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import {
  startObservedParticipants,
  type ObservedParticipants,
} from '../../support/observed-participants.js';
import { appliedEffects, effectsAgainstOutcomes } from '../../support/order-invariants.js';
import { orderPlans } from '../../support/saga-load.js';
import { kafkaBrokers } from '../../support/services.js';

/** Fails the first publish of every message on `topic`; later publishes of it go through. */
class FirstSendFails implements MessagePublisher {
  private readonly seen = new Set<string>();
  failed = 0;

  constructor(
    private readonly inner: MessagePublisher,
    private readonly topic: string,
  ) {}

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    const first = messages.filter(
      (m) => m.topic === this.topic && !this.seen.has(m.headers?.['saga-message-id'] ?? ''),
    );
    if (first.length > 0) {
      for (const m of first) this.seen.add(m.headers?.['saga-message-id'] ?? '');
      this.failed += first.length;
      throw new Error('the broker did not acknowledge in time');
    }
    await this.inner.publish(messages);
  }
}

const SAGAS = 10;

describe('a command whose first send fails, held in the outbox past its reply timeout', () => {
  let environment: CoordinatorEnvironment;
  let participants: ObservedParticipants;
  let coordinator: CoordinatorRuntime;
  let kafka: KafkaTransport;
  let publisher: FirstSendFails;

  beforeAll(async () => {
    environment = await createEnvironment('it_late_command');
    participants = await startObservedParticipants(environment);
    kafka = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'it-late-command' });
    publisher = new FirstSendFails(
      kafka.publisher,
      topicNames(environment.topicPrefix).commands('inventory'),
    );
    const transport: MessageTransport = {
      publisher,
      administrator: kafka.administrator,
      createConsumer: (tuning) => kafka.createConsumer(tuning),
      close: () => kafka.close(),
    };
    coordinator = await createCoordinatorRuntime({
      // The shipped reply timeouts (5 s): a participant answers well within them once the
      // command is on the topic, however busy the machine. The relay takes a row only after 6 s,
      // past the timeout. No breaker opens: this is about the outbox, not the participant.
      config: environment.config({
        RELAY_GRACE_MS: '6000',
        BREAKER_VOLUME_THRESHOLD: '1000000',
      }),
      registry: createSampleSagaRegistry(),
      transport,
    });
    await coordinator.start();
  });

  afterAll(async () => {
    await coordinator?.stop();
    await participants?.stop();
    await environment?.dispose();
  });

  it('delays the saga instead of compensating it, and leaves no effect without its undo', async () => {
    const plans = orderPlans('late', SAGAS);
    const answers = await coordinator.decisions.startMany(
      plans.map((plan) => ({
        sagaType: 'order',
        idempotencyKey: plan.idempotencyKey,
        input: plan.input,
      })),
    );
    const sagaIds = answers.map((answer) => {
      if (answer instanceof Error) throw answer;
      return answer.sagaId;
    });
    const ended = await waitForSagas(environment.db, sagaIds, [
      'completed',
      'compensated',
      'stuck',
    ]);
    expect(publisher.failed).toBeGreaterThanOrEqual(SAGAS); // every reserve command failed once

    const statusOf = new Map(ended.map((row) => [row.id, row.status]));
    expect(sagaIds.map((id) => statusOf.get(id))).toEqual(plans.map((plan) => plan.expected));
    expect(effectsAgainstOutcomes(ended, appliedEffects(participants.ledgers))).toEqual([]);
    // No step timed out: each reply timeout counted from when its command reached the broker.
    const [timeouts] = await environment.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM saga_audit WHERE event_type = 'wakeup' AND step_id IS NOT NULL AND applied`,
    );
    expect(Number(timeouts!.n)).toBe(0);
  });
});
