// Reads what is really on Kafka: every record of the given topics, from the first offset to the
// high watermark, with a fresh consumer group (nothing committed, nothing shared); and publishes
// raw records (duplicates, malformed messages) straight to the broker.
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers, uniqueName } from './services.js';
import { waitFor } from './wait-for.js';

/** A record to publish as it is (a Buffer value goes out byte for byte). */
export interface RawRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string | Buffer | null;
}

/** A record as it is on the topic, with where it sits and when it was published. */
export interface TopicRecord extends RawRecord {
  readonly value: string | null;
  readonly partition: number;
  readonly offset: string;
  /** The producer's timestamp (epoch ms). */
  readonly timestamp: number;
}

/** Every record now on `topics`; resolves once each partition is read to its end. */
export async function readTopics(
  topics: readonly string[],
  timeoutMs = 60_000,
  brokers: string[] = kafkaBrokers(),
): Promise<TopicRecord[]> {
  const kafka = new Kafka({
    clientId: 'test-topic-reader',
    brokers,
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, bigint>();
  try {
    for (const topic of topics) {
      for (const { partition, high } of await admin.fetchTopicOffsets(topic)) {
        if (BigInt(high) > 0n) ends.set(`${topic}/${partition}`, BigInt(high));
      }
    }
  } finally {
    await admin.disconnect();
  }
  const records: TopicRecord[] = [];
  const reached = new Map<string, bigint>();
  const consumer = kafka.consumer({ groupId: uniqueName('test_topic_reader') });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined)
            headers[name] = String(Array.isArray(value) ? value.at(-1) : value);
        }
        records.push({
          topic,
          key: message.key?.toString('utf8') ?? null,
          headers,
          value: message.value?.toString('utf8') ?? null,
          partition,
          offset: message.offset,
          timestamp: Number(message.timestamp),
        });
        reached.set(`${topic}/${partition}`, BigInt(message.offset) + 1n);
      },
    });
    await waitFor(
      `every partition of ${topics.length} topic(s) read to its end`,
      () => [...ends].every(([key, end]) => (reached.get(key) ?? 0n) >= end),
      { timeoutMs, intervalMs: 100 },
    );
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** A record to publish as it is: keys and headers may hold any bytes. */
export interface RecordToPublish {
  readonly topic: string;
  readonly key: string | Buffer | null;
  readonly headers: Readonly<Record<string, string | Buffer>>;
  readonly value: string | Buffer | null;
}

/**
 * Publishes raw records (duplicates, malformed messages) straight to the broker, in their order
 * within each topic, a few hundred per request, each once: the producer is idempotent, so a
 * send retried after a slow acknowledgement (a busy machine) does not write a batch twice.
 */
export async function publishRaw(
  records: readonly RecordToPublish[],
  brokers: string[] = kafkaBrokers(),
): Promise<void> {
  const kafka = new Kafka({ clientId: 'test-injector', brokers, logLevel: logLevel.ERROR });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let from = 0; from < records.length; from += 200) {
      const chunk = records.slice(from, from + 200);
      const topics = [...new Set(chunk.map((record) => record.topic))];
      await producer.sendBatch({
        topicMessages: topics.map((topic) => ({
          topic,
          messages: chunk
            .filter((record) => record.topic === topic)
            .map((record) => ({
              key: record.key,
              value: record.value,
              headers: { ...record.headers },
            })),
        })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}
