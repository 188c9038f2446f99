import { logLevel, type Kafka, type KafkaMessage } from 'kafkajs';
import { decodeHeaders, kafkaClient, keyPartitioner } from '#messaging';
import type { BenchClient, BenchProducer, ClientSettings, ConsumeRun } from './bench-client.js';
import { TRANSPORT_DEFAULTS as D } from './bench-client.js';
import type { DecodedMessage } from './bench-messages.js';

const retry = {
  retries: D.retries,
  initialRetryTime: D.initialRetryTimeMs,
  maxRetryTime: 30_000,
  multiplier: 2,
};

/**
 * kafkajs 2.2.4 set up as libs/messaging does it: the producer of KafkaMessagePublisher and the
 * consumer of KafkaMessageConsumer (eachBatch, manual commits per chunk of maxBatchSize), its
 * idle loop stopped.
 */
export function kafkajsClient(settings: ClientSettings): BenchClient {
  const kafka = kafkaClient({
    brokers: [...settings.brokers],
    clientId: settings.clientId,
    connectionTimeout: D.connectionTimeoutMs,
    requestTimeout: D.requestTimeoutMs,
    retry,
    logLevel: logLevel.WARN,
  });

  async function withAdmin<T>(work: (admin: ReturnType<Kafka['admin']>) => Promise<T>) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      return await work(admin);
    } finally {
      await admin.disconnect();
    }
  }

  return {
    createTopics: (topics, partitions) =>
      withAdmin(async (admin) => {
        await admin.createTopics({
          waitForLeaders: true,
          topics: topics.map((topic) => ({
            topic,
            numPartitions: partitions,
            replicationFactor: 1,
          })),
        });
      }),

    deleteTopicsAndGroups: (topics, groups) =>
      withAdmin(async (admin) => {
        await admin.deleteTopics({ topics: [...topics] });
        if (groups.length > 0) await admin.deleteGroups([...groups]);
      }),

    async openProducer(): Promise<BenchProducer> {
      // maxInFlightRequests 1 is what platformatic forces on an idempotent producer; our
      // publisher leaves kafkajs's default (no limit), the same here since each send is awaited.
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: keyPartitioner,
        retry,
      });
      await producer.connect();
      return {
        async send(topic, batch) {
          await producer.sendBatch({
            topicMessages: [
              {
                topic,
                messages: batch.map(({ key, value, headers }) => ({
                  key,
                  value,
                  headers: { ...headers },
                })),
              },
            ],
            acks: -1,
            timeout: D.ackTimeoutMs,
          });
        },
        close: () => producer.disconnect(),
      };
    },

    async consume(run: ConsumeRun): Promise<void> {
      const consumer = kafka.consumer({
        groupId: run.groupId,
        sessionTimeout: D.sessionTimeoutMs,
        heartbeatInterval: D.heartbeatIntervalMs,
        rebalanceTimeout: D.rebalanceTimeoutMs,
        maxWaitTimeInMs: D.maxWaitTimeMs,
        maxBytesPerPartition: D.maxBytesPerPartition,
        minBytes: D.minBytes,
        allowAutoTopicCreation: false,
        retry,
      });
      let handled = 0;
      let finish!: () => void;
      let fail!: (error: unknown) => void;
      const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
      consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
      consumer.on(consumer.events.GROUP_JOIN, () => run.onJoined());
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [run.topic], fromBeginning: true });
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          // As createEachBatchHandler does: chunks of maxBatchSize, each decoded, handled,
          // resolved and committed (one OffsetCommit per chunk), then a heartbeat.
          eachBatch: async ({ batch, resolveOffset, commitOffsetsIfNecessary, heartbeat }) => {
            const { topic, partition, messages } = batch;
            for (let start = 0; start < messages.length; start += D.maxBatchSize) {
              const chunk = messages.slice(start, start + D.maxBatchSize);
              run.handleBatch(chunk.map(decode));
              const last = chunk[chunk.length - 1]!;
              resolveOffset(last.offset);
              const offset = (BigInt(last.offset) + 1n).toString();
              await commitOffsetsIfNecessary({
                topics: [{ topic, partitions: [{ partition, offset }] }],
              });
              await heartbeat();
              handled += chunk.length;
              if (handled >= run.expected) finish();
            }
          },
        });
        await done;
      } finally {
        await consumer.disconnect();
      }
    },
  };
}

function text(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** Text of a kafkajs record, as libs/messaging's toIncomingMessage decodes it. */
function decode(message: KafkaMessage): DecodedMessage {
  return {
    key: message.key === null ? null : text(message.key),
    value: message.value === null ? null : text(message.value),
    headers: decodeHeaders(message.headers),
  };
}
