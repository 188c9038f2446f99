import { setTimeout as sleep } from 'node:timers/promises';
import {
  Admin,
  compatibilityPartitioner,
  Consumer,
  ProduceAcks,
  Producer,
  stringDeserializers,
  stringSerializers,
  type Message,
  type MessagesStream,
} from '@platformatic/kafka';
import type { BenchClient, BenchProducer, ClientSettings, ConsumeRun } from './bench-client.js';
import { TRANSPORT_DEFAULTS as D } from './bench-client.js';
import type { DecodedMessage } from './bench-messages.js';

type TextMessage = Message<string, string, string, string>;

/**
 * @platformatic/kafka set up with the same settings as our kafkajs transport. Its consumer
 * hands out single messages on a stream; batches are cut from what the stream has buffered
 * (≤ maxBatchSize, possibly from several partitions) and committed in one OffsetCommit.
 */
export function platformaticClient(settings: ClientSettings): BenchClient {
  const base = {
    clientId: settings.clientId,
    bootstrapBrokers: [...settings.brokers],
    connectTimeout: D.connectionTimeoutMs,
    timeout: D.requestTimeoutMs,
    retries: D.retries,
    retryDelay: D.initialRetryTimeMs,
    autocreateTopics: false,
  };

  async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
    const admin = new Admin(base);
    try {
      return await work(admin);
    } finally {
      await admin.close();
    }
  }

  return {
    createTopics: (topics, partitions) =>
      withAdmin(async (admin) => {
        await admin.createTopics({ topics: [...topics], partitions, replicas: 1 });
        // createTopics answers before the partitions have leaders (kafkajs's waitForLeaders has
        // no counterpart), so ask for fresh metadata until each of them has one.
        for (let attempt = 0; ; attempt++) {
          const metadata = await admin.metadata({ topics: [...topics], forceUpdate: true });
          const ready = topics.every((topic) => {
            const partitionsOf = metadata.topics.get(topic)?.partitions ?? [];
            return partitionsOf.length === partitions && partitionsOf.every((p) => p.leader >= 0);
          });
          if (ready) return;
          if (attempt >= 50) {
            throw new Error(`no leader for every partition of ${topics.join(', ')}`);
          }
          await sleep(100);
        }
      }),

    deleteTopicsAndGroups: (topics, groups) =>
      withAdmin(async (admin) => {
        await admin.deleteTopics({ topics: [...topics] });
        if (groups.length > 0) await admin.deleteGroups({ groups: [...groups] });
      }),

    async openProducer(): Promise<BenchProducer> {
      // idempotent also forces acks = all and one request in flight per connection. The
      // compatibility partitioner is Java's murmur2 (as our publisher's keyPartitioner and
      // kafkajs's DefaultPartitioner); platformatic's default one maps negative hashes differently.
      const producer = new Producer({
        ...base,
        idempotent: true,
        acks: ProduceAcks.ALL,
        partitioner: compatibilityPartitioner,
        serializers: stringSerializers,
      });
      return {
        async send(topic, batch) {
          await producer.send({
            messages: batch.map(({ key, value, headers }) => ({ topic, key, value, headers })),
          });
        },
        close: () => producer.close(),
      };
    },

    async consume(run: ConsumeRun): Promise<void> {
      const consumer = new Consumer({
        ...base,
        groupId: run.groupId,
        sessionTimeout: D.sessionTimeoutMs,
        heartbeatInterval: D.heartbeatIntervalMs,
        rebalanceTimeout: D.rebalanceTimeoutMs,
        maxWaitTime: D.maxWaitTimeMs,
        minBytes: D.minBytes,
        maxBytesPerPartition: D.maxBytesPerPartition,
        maxBytes: D.maxBytes,
        autocommit: false,
        deserializers: stringDeserializers,
      });
      consumer.on('consumer:group:join', () => run.onJoined());
      try {
        // From the group's committed offsets, or the earliest when it has none (our
        // fromBeginning: true); the default mode would start at the end of the log.
        const stream = await consumer.consume({
          topics: [run.topic],
          mode: 'committed',
          fallbackMode: 'earliest',
          autocommit: false,
        });
        const nextBatch = batchesOf(stream, D.maxBatchSize);
        let handled = 0;
        while (handled < run.expected) {
          const batch = await nextBatch();
          run.handleBatch(batch.map(decode));
          await consumer.commit({ offsets: lastOffsets(batch) });
          handled += batch.length;
        }
        await stream.close();
      } finally {
        await consumer.close(true);
      }
    },
  };
}

/**
 * Cuts the stream into batches: each call gives what the stream has buffered, up to `max`
 * messages, waiting for at least one. One 'readable' listener stays for the whole run: the
 * stream stops fetching whenever it has neither a 'readable' nor a 'data' listener
 * (readableFlowing back to null), so waiting with `once(stream, 'readable')` would stall it.
 */
function batchesOf(
  stream: MessagesStream<string, string, string, string>,
  max: number,
): () => Promise<TextMessage[]> {
  let wake: (() => void) | undefined;
  let failure: unknown;
  stream.on('readable', () => wake?.());
  stream.on('error', (error) => ((failure = error), wake?.()));
  stream.on('close', () => wake?.());
  return async () => {
    for (;;) {
      const batch: TextMessage[] = [];
      for (let message; batch.length < max && (message = stream.read() as TextMessage | null);) {
        batch.push(message);
      }
      if (batch.length > 0) return batch;
      if (failure !== undefined) throw failure;
      if (stream.readableEnded || stream.destroyed) throw new Error('the message stream ended');
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };
}

/** The offset to commit for each partition in the batch: after its last message. */
function lastOffsets(batch: readonly TextMessage[]) {
  const last = new Map<number, TextMessage>(); // by partition: one topic is consumed
  for (const message of batch) last.set(message.partition, message);
  return [...last.values()].map(({ topic, partition, offset, leaderEpoch }) => ({
    topic,
    partition,
    offset: offset + 1n,
    leaderEpoch,
  }));
}

/** Key, value and headers are already text (stringDeserializers); the Map becomes a record. */
function decode(message: TextMessage): DecodedMessage {
  const headers: Record<string, string> = {};
  for (const [name, value] of message.headers) headers[name] = value;
  return { key: message.key ?? null, value: message.value ?? null, headers };
}
