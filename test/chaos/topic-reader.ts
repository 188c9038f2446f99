// Reads whole topics from the beginning, as raw records: for the chaos battery's checks.
import { Kafka, logLevel } from 'kafkajs';
import { kafkaBrokers, uniqueName } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

/** A record as it is on the topic. */
export interface RawRecord {
  readonly topic: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string | null;
}

/** Every record now on `topics`; resolves once each partition is read to its end. */
export async function readTopics(
  topics: readonly string[],
  timeoutMs = 60_000,
): Promise<RawRecord[]> {
  const kafka = new Kafka({
    clientId: 'chaos-reader',
    brokers: kafkaBrokers(),
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
  const records: RawRecord[] = [];
  const reached = new Map<string, bigint>();
  const consumer = kafka.consumer({ groupId: uniqueName('chaos_reader') });
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

/** Publishes raw records (duplicates, malformed messages) straight to the broker. */
export async function publishRaw(records: readonly RawRecord[]): Promise<void> {
  const kafka = new Kafka({
    clientId: 'chaos-injector',
    brokers: kafkaBrokers(),
    logLevel: logLevel.ERROR,
  });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (const record of records) {
      await producer.send({
        topic: record.topic,
        messages: [{ key: record.key, value: record.value, headers: { ...record.headers } }],
      });
    }
  } finally {
    await producer.disconnect();
  }
}
