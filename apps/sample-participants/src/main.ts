// The sample participants as their own process, over Kafka: `KAFKA_BROKERS=host:9092 node
// dist/apps/sample-participants/src/main.js` (optional TOPIC_PREFIX, TOPIC_PARTITIONS).
import { jsonLinesTransportLogger, KafkaTransport } from '../../coordinator/src/messaging/index.js';
import { jsonLinesParticipantLogger } from './participant-logger.js';
import { loadParticipantsConfig, ParticipantsConfigError } from './participants-config.js';
import { sampleParticipantTopics, startSampleParticipants } from './sample-participants.js';

/** Creates the command topics, starts the four participants, stops them cleanly on SIGTERM. */
async function main(): Promise<void> {
  const config = loadParticipantsConfig(process.env);
  const transport = new KafkaTransport(
    { brokers: config.kafkaBrokers, clientId: 'sample-participants' },
    { logger: jsonLinesTransportLogger },
  );
  await transport.administrator.ensureTopics(
    sampleParticipantTopics(config.topicPrefix, config.topicPartitions),
  );
  const participants = await startSampleParticipants({
    consumerFactory: () => transport.createConsumer(),
    publisher: transport.publisher,
    topicPrefix: config.topicPrefix,
    logger: jsonLinesParticipantLogger,
  }).catch(async (error: unknown) => {
    await transport.close();
    throw error;
  });
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      // Finish the batches in hand (their replies included), leave the groups, close the producer.
      participants
        .stop()
        .then(() => transport.close())
        .then(
          () => process.exit(0),
          (error: unknown) => {
            console.error('Shutdown failed', error);
            process.exit(1);
          },
        );
    });
  }
  jsonLinesParticipantLogger.log('info', 'Sample participants are consuming their commands', {
    ...transport.describe(),
    topicPrefix: config.topicPrefix,
  });
}

main().catch((error: unknown) => {
  console.error(error instanceof ParticipantsConfigError ? error.message : error);
  process.exit(1);
});
