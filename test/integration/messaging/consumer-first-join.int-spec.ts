// A consumer whose first join fails (a fresh broker answers "The coordinator is loading")
// restarts until it joins: the coordinator becomes ready, its timers start, and sagas run, on
// the real Kafka and Postgres, the failure injected through the transport's consumer factory.
import { jest } from '@jest/globals';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import { BulkOperationWorker } from '../../../apps/coordinator/src/bulk-operations/bulk-operation-worker.js';
import { TimerPoller } from '../../../apps/coordinator/src/timers/timer-poller.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createCoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-core.module.js';
import {
  createSampleSagaRegistry,
  SAMPLE_PARTICIPANTS,
} from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  sampleParticipantTopics,
  startSampleParticipants,
  type SampleParticipants,
} from '../../../apps/sample-participants/src/sample-participants.js';
import {
  createEnvironment,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { failFirstJoinOfEachGroup, neverJoining } from '../../support/first-join-failures.js';
import { waitForAudit } from '../../support/saga-records.js';
import { kafkaBrokers } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { orderInput } from '../../support/saga-load.js';

/** A Kafka transport whose first consumer of each group fails to join. */
function transportFailingFirstJoins(clientId: string) {
  const failures = failFirstJoinOfEachGroup();
  const transport = new KafkaTransport(
    { brokers: kafkaBrokers(), clientId, retry: { initialRetryTimeMs: 100 } },
    { logger: silentTransportLogger, consumerFactory: failures.factory },
  );
  return { transport, failures };
}

describe('consumers whose first join fails', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime | undefined;
  let participants: SampleParticipants | undefined;
  let participantTransport: KafkaTransport | undefined;

  beforeAll(async () => {
    environment = await createEnvironment('it_first_join');
  });

  afterAll(async () => {
    await participants?.stop();
    await participantTransport?.close();
    await coordinator?.stop();
    await environment?.dispose();
  });

  it('restart until they join: the coordinator gets ready, timers fire, sagas complete', async () => {
    const coordinatorSide = transportFailingFirstJoins('it-first-join-coordinator');
    coordinator = await createCoordinatorRuntime({
      // Reply timeouts of 0.5 s: a step whose command nobody reads times out quickly.
      config: environment.config({ TIME_SCALE: '0.1' }),
      registry: createSampleSagaRegistry(),
      transport: coordinatorSide.transport,
    });
    await coordinator.start({ waitForConsumers: false });
    const runtime = coordinator;
    const joining = runtime.consuming.then(
      () => 'joined',
      (error: unknown) => `failed: ${String(error)}`,
    );
    await waitFor('the coordinator to consume', () => runtime.isConsuming(), {
      timeoutMs: 30_000,
    });
    await expect(joining).resolves.toBe('joined');
    expect(runtime.consumerProblem()).toBeUndefined();
    // Replies, starts and the dead-letter indexer: each group's first join failed (the indexer
    // is waited for by nothing, readiness included: its failure may come after).
    await waitFor(
      "the dead-letter indexer's first join to fail",
      () => coordinatorSide.failures.failed.length >= 3,
    );
    expect(coordinatorSide.failures.failed).toHaveLength(3);

    // No participant runs yet: the reservation is never answered, and only a timer moves it on.
    const unanswered = await runtime.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'unanswered',
      input: orderInput('o-unanswered'),
    });
    await waitForAudit(
      environment.db,
      unanswered.sagaId,
      'the reply timeout of reserve-inventory to fire',
      (row) => row.event_type === 'wakeup' && row.detail.includes('timed out'),
    );

    // The participant kit's consumers recover the same way.
    const participantSide = transportFailingFirstJoins('it-first-join-participants');
    participantTransport = participantSide.transport;
    await participantTransport.administrator.ensureTopics(
      sampleParticipantTopics(environment.topicPrefix, 3),
    );
    participants = await startSampleParticipants({
      consumerFactory: () => participantSide.transport.createConsumer(),
      publisher: participantSide.transport.publisher,
      topicPrefix: environment.topicPrefix,
    });
    expect(participantSide.failures.failed).toHaveLength(SAMPLE_PARTICIPANTS.length);

    const answered = await runtime.decisions.start({
      sagaType: 'order',
      idempotencyKey: 'answered',
      input: orderInput('o-answered'),
    });
    await waitForSagas(environment.db, [answered.sagaId], ['completed']);
  });

  it('stopped before they ever join: neither the timers nor the bulk worker start', async () => {
    // Every join fails, as on a broker still loading: the consumers never become members.
    const transport = new KafkaTransport(
      { brokers: kafkaBrokers(), clientId: 'it-never-joins', retry: { initialRetryTimeMs: 100 } },
      { logger: silentTransportLogger, consumerFactory: neverJoining },
    );
    const timersStarted = jest.spyOn(TimerPoller.prototype, 'start');
    const bulkStarted = jest.spyOn(BulkOperationWorker.prototype, 'start');
    try {
      const stopped = await createCoordinatorRuntime({
        config: environment.config(),
        registry: createSampleSagaRegistry(),
        transport,
      });
      await stopped.start({ waitForConsumers: false });
      expect(stopped.consumerProblem()).toBe('joining their groups');
      await stopped.stop();
      await stopped.consuming;

      expect(timersStarted).not.toHaveBeenCalled();
      expect(bulkStarted).not.toHaveBeenCalled();
    } finally {
      timersStarted.mockRestore();
      bulkStarted.mockRestore();
    }
  });
});
