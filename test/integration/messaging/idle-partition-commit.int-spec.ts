// A consumer whose offset commit fails once (a broker blip: the request times out) and whose
// partition then stays idle: every message is handled once, and the group's lag as
// `saga_consumer_lag` reads it (KafkaLagReader) still comes down to 0, on the real broker.
import {
  KafkaJSRequestTimeoutError,
  type Consumer,
  type ConsumerConfig,
  type EachBatchPayload,
  type Kafka,
} from 'kafkajs';
import type { IncomingMessage, OutgoingMessage } from '#saga-core';
import {
  KafkaLagReader,
  KafkaTransport,
  silentTransportLogger,
  type KafkaConsumerFactory,
} from '#messaging';
import { kafkaBrokers, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

/**
 * A kafkajs consumer factory whose consumers' first offset commit fails as a timed-out request
 * does (retriable, not a rebalance: kafkajs fetches on without rejoining); `failed` counts them.
 */
function failFirstCommit(): { readonly factory: KafkaConsumerFactory; failed: number } {
  const failures = { factory: undefined as unknown as KafkaConsumerFactory, failed: 0 };
  failures.factory = (kafka: Kafka, config: ConsumerConfig): Consumer => {
    const consumer = kafka.consumer(config);
    return {
      ...consumer,
      run: (run) =>
        consumer.run({
          ...run,
          eachBatch: (payload: EachBatchPayload) =>
            run!.eachBatch!({
              ...payload,
              commitOffsetsIfNecessary: async (offsets) => {
                if (failures.failed > 0) return payload.commitOffsetsIfNecessary(offsets);
                failures.failed += 1;
                throw new KafkaJSRequestTimeoutError('Request OffsetCommit timed out');
              },
            }),
        }),
    };
  };
  return failures;
}

describe('a consumer whose commit failed, on a partition that then stays idle', () => {
  const brokers = kafkaBrokers();
  const failures = failFirstCommit();
  const transport = new KafkaTransport(
    {
      brokers,
      clientId: uniqueName('idle-commit'),
      retry: { retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
      consumer: {
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
        rebalanceTimeoutMs: 6_000,
        maxWaitTimeMs: 100,
      },
    },
    { logger: silentTransportLogger, consumerFactory: failures.factory },
  );
  const lags = new KafkaLagReader(brokers);

  afterAll(async () => {
    await transport.close();
    await lags.close();
  });

  it('commits the handled offsets later: the lag comes down to 0, nothing is handled twice', async () => {
    const topic = uniqueName('idle_commit');
    const groupId = uniqueName('idle_commit_group');
    await transport.administrator.ensureTopics([{ topic, partitions: 1 }]);
    const sent: OutgoingMessage[] = ['a', 'b', 'c'].map((value) => ({
      topic,
      key: 'k',
      headers: {},
      value,
    }));
    await transport.publisher.publish(sent);

    const seen: IncomingMessage[] = [];
    const consumer = transport.createConsumer();
    await consumer.start({
      groupId,
      topics: [topic],
      handleBatch: async (messages) => {
        seen.push(...messages);
        return { deadLetters: [] };
      },
    });
    await waitFor('the three messages handled', () => seen.length >= 3);
    expect(failures.failed).toBe(1);

    let lag = Number.NaN;
    await waitFor(
      () => `the lag to come down to 0 (last read: ${lag})`,
      async () => (lag = await lags.lagOf(groupId, topic)) === 0,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    // kafkajs fetched on from the handled position: the failed commit cost no redelivery.
    expect(seen.map((message) => message.value)).toEqual(['a', 'b', 'c']);
  }, 30_000);
});
