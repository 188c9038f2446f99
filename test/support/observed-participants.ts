// The sample participants on Kafka in the jest process, like startKafkaParticipants, but quiet
// (they answer thousands of commands) and counting the duplicate commands they absorbed.
import { KafkaTransport, type TransportLogger } from '#messaging';
import {
  sampleParticipantTopics,
  startSampleParticipants,
  type SampleParticipants,
} from '../../apps/sample-participants/src/sample-participants.js';
import type { CoordinatorEnvironment } from './coordinator-fixture.js';
import { kafkaBrokers } from './services.js';

/** Sample participants whose logs are counted instead of printed (errors still print). */
export interface ObservedParticipants extends SampleParticipants {
  readonly transport: KafkaTransport;
  /** Commands answered with the recorded reply, without running the handler again. */
  duplicatesAnswered(): number;
}

const DUPLICATE_ANSWERED = 'A duplicate command was answered with the first reply';

/**
 * Starts inventory, payment, shipping and notification on the environment's topics, on the
 * shared broker or on `brokers`.
 */
export async function startObservedParticipants(
  environment: CoordinatorEnvironment,
  brokers: string[] = kafkaBrokers(),
): Promise<ObservedParticipants> {
  let duplicates = 0;
  const logger: TransportLogger = {
    log(level, message, fields = {}) {
      if (message === DUPLICATE_ANSWERED) duplicates++;
      if (level === 'error') console.error(JSON.stringify({ level, msg: message, ...fields }));
    },
  };
  const transport = new KafkaTransport({ brokers, clientId: 'test-participants' }, { logger });
  await transport.administrator.ensureTopics(sampleParticipantTopics(environment.topicPrefix, 3));
  const participants = await startSampleParticipants({
    consumerFactory: () => transport.createConsumer(),
    publisher: transport.publisher,
    topicPrefix: environment.topicPrefix,
    logger,
  });
  return {
    ...participants,
    transport,
    duplicatesAnswered: () => duplicates,
    async stop() {
      await participants.stop();
      await transport.close();
    },
  };
}
