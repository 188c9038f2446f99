// The lean record encoder (leanKafkajsRecords) against the real broker: records it encodes are
// accepted, stored and read back as they were sent. The test drives kafkajs through the require
// that leanKafkajsRecords patches (under jest, the test file's own module registry), so that the
// produce request loads the lean encoder.
import { createRequire } from 'node:module';
import type * as Kafkajs from 'kafkajs';
import type { Kafka as KafkaClient, KafkaConfig, Message } from 'kafkajs';
import { leanKafkajsRecords } from '../../../libs/messaging/src/kafkajs-record-encoder.js';
import { kafkaBrokers, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

const require = createRequire(import.meta.url);

const sent: Message[] = [
  {
    key: '6f1c2a6e-1b7e-4c3a-9e49-5d1b8c1a2f3e',
    value: JSON.stringify({ payload: 'x'.repeat(400) }),
    headers: {
      'saga-message-type': 'command',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    },
  },
  { key: null, value: 'no key', headers: {} },
  { key: 'clé-😀', value: 'ünïcödé 漢字', headers: { 'nom-é': 'valeur-ß', multi: ['a', 'b'] } },
  {
    key: Buffer.from([0, 255]),
    value: Buffer.alloc(20_000, 7),
    headers: { raw: Buffer.from([1, 2]) },
  },
  { key: 'tombstone', value: null },
];

describe('records encoded by the lean encoder, through the real broker', () => {
  let kafka: KafkaClient;
  const topic = uniqueName('lean_records');

  beforeAll(async () => {
    leanKafkajsRecords();
    const { Kafka, logLevel } = require('kafkajs') as typeof Kafkajs;
    kafka = new Kafka({
      brokers: kafkaBrokers(),
      clientId: topic,
      logLevel: logLevel.WARN,
    } satisfies KafkaConfig);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
  });

  it('are stored and read back as they were sent: keys, values and every header', async () => {
    const record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as object;
    const producePath = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
    // The produce request loads at this test's first produce, after the lean encoder was put
    // in place of kafkajs's: the encoder it takes is the lean one.
    expect(Symbol.for('saga-coordinator.kafkajs-lean-records') in record).toBe(true);
    expect(producePath in require.cache).toBe(false);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();
    expect(producePath in require.cache).toBe(true);

    const received: { key: Buffer | null; value: Buffer | null; headers: unknown }[] = [];
    const consumer = kafka.consumer({ groupId: topic, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push({ key: message.key, value: message.value, headers: message.headers });
      },
    });
    await waitFor(
      () => `${sent.length} records, ${received.length} read`,
      () => received.length === sent.length,
    );
    await consumer.disconnect();

    const bytes = (value: unknown) =>
      value === null || value === undefined ? null : Buffer.from(value as string);
    expect(received).toEqual(
      sent.map(({ key, value, headers = {} }) => ({
        key: bytes(key),
        value: bytes(value),
        headers: Object.fromEntries(
          Object.entries(headers).map(([name, header]) => [
            name,
            Array.isArray(header) ? header.map(bytes) : bytes(header),
          ]),
        ),
      })),
    );
  });
});
