// Proves that the chosen Kafka broker and kafkajs work together for what the coordinator needs:
// topics made by the admin client, an idempotent producer with acks=all, a consumer group with
// manual commits, and a second member of the group resuming after the committed offset.
import { Kafka, logLevel, type Consumer, type EachMessagePayload } from 'kafkajs';
import { kafkaBrokers, uniqueName } from '../support/services.js';
import { waitFor } from '../support/wait-for.js';

const kafka = new Kafka({
  clientId: 'foundation-test',
  brokers: kafkaBrokers(),
  logLevel: logLevel.WARN,
});

/** Consumes `topic` in `groupId` by hand: commits each offset it handles, stops after `limit`. */
async function consumeAndCommit(topic: string, groupId: string, limit: number): Promise<string[]> {
  const consumer: Consumer = kafka.consumer({ groupId, retry: { retries: 3 } });
  const seen: string[] = [];
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message, partition }: EachMessagePayload) => {
      if (seen.length >= limit) return;
      seen.push(message.value?.toString() ?? '');
      const next = (BigInt(message.offset) + 1n).toString();
      await consumer.commitOffsets([{ topic, partition, offset: next }]);
    },
  });
  await waitFor(`${limit} messages on ${topic}`, () => seen.length >= limit);
  await consumer.disconnect();
  return seen;
}

describe('the local Kafka broker with kafkajs', () => {
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.disconnect();
  });

  it('creates topics with the requested partitions through the admin client', async () => {
    const topic = uniqueName('it_admin');
    const created = await admin.createTopics({
      topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    expect(created).toBe(true);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });

  it('lets a second consumer of the group resume right after the offsets the first committed', async () => {
    const topic = uniqueName('it_resume');
    const groupId = uniqueName('it_group');
    await admin.createTopics({
      topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    const values = Array.from({ length: 10 }, (_, i) => `message-${i}`);
    const [metadata] = await producer.send({
      topic,
      acks: -1,
      messages: values.map((value) => ({ key: 'saga-1', value })),
    });
    expect(metadata?.errorCode).toBe(0);

    const first = await consumeAndCommit(topic, groupId, 4);
    expect(first).toEqual(values.slice(0, 4));

    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    expect(committed[0]?.partitions[0]?.offset).toBe('4');

    const second = await consumeAndCommit(topic, groupId, 6);
    expect(second).toEqual(values.slice(4));
  });
});
