import { context, propagation, trace } from '@opentelemetry/api';
import type {
  Kafka,
  Message,
  Producer,
  ProducerBatch,
  ProducerConfig,
  RecordMetadata,
} from 'kafkajs';
import { KafkaMessagePublisher } from './kafka-message-publisher.js';
import { kafkajsOverFakeCluster, kafkajsProtocolError } from './kafkajs-cluster.fixture.js';
import { resolveKafkaTransportOptions } from './kafka-transport-options.js';
import { silentTransportLogger } from './transport-logger.js';
import { installGlobalTracing, SpanCollector } from '../../tracing/src/span-collector.fixture.js';

/** A Kafka client whose producers write down what they are asked to do. */
function fakeKafka(failures: Error[] = []) {
  const producers: { config: ProducerConfig; batches: ProducerBatch[]; disconnected: boolean }[] =
    [];
  const kafka = {
    producer(config: ProducerConfig) {
      const made = { config, batches: [] as ProducerBatch[], disconnected: false };
      producers.push(made);
      return {
        connect: async () => undefined,
        disconnect: async () => {
          made.disconnected = true;
        },
        sendBatch: async (batch: ProducerBatch) => {
          const failure = failures.shift();
          if (failure) throw failure;
          made.batches.push(batch);
          return [];
        },
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  return { kafka, producers };
}

const options = resolveKafkaTransportOptions({
  brokers: ['kafka:9092'],
  clientId: 'test',
  producer: { ackTimeoutMs: 5_000 },
});
const message = (topic: string, key: string, value: string) => ({
  topic,
  key,
  headers: { 'saga-message-id': value },
  value,
});

describe('the Kafka publisher', () => {
  /** A Kafka client whose batches settle when the test says, each with its topics and producer. */
  function heldKafka() {
    const calls: {
      producer: number;
      topics: string[];
      settle: (error?: Error) => void;
    }[] = [];
    const disconnected: number[] = [];
    let made = 0;
    const kafka = {
      producer() {
        const id = ++made;
        return {
          connect: async () => undefined,
          disconnect: async () => void disconnected.push(id),
          sendBatch: (batch: ProducerBatch) =>
            new Promise<RecordMetadata[]>((resolve, reject) => {
              calls.push({
                producer: id,
                topics: (batch.topicMessages ?? []).map((entry) => entry.topic),
                settle: (error) => (error ? reject(error) : resolve([])),
              });
            }),
        } as unknown as Producer;
      },
    } as unknown as Kafka;
    const flush = () => new Promise((resolve) => setImmediate(resolve));
    return { kafka, calls, disconnected, flush };
  }

  it('sends a batch once those before it to the same topic have settled, and a failure changes the producer first', async () => {
    const { kafka, calls, flush } = heldKafka();
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);

    const first = publisher.publish([message('a', 'k', '1')]);
    const second = publisher.publish([message('a', 'k', '2'), message('b', 'k', '2')]);
    const third = publisher.publish([message('b', 'k', '3')]);
    await flush();
    // The first is in flight: kafkajs would give the second the first's sequence numbers again
    // if the first failed after it was written.
    expect(calls).toHaveLength(1);
    calls[0]!.settle(new Error('Request timed out'));
    await expect(first).rejects.toThrow('Request timed out');
    await flush();
    expect(calls.map((call) => call.producer)).toEqual([1, 2]);
    calls[1]!.settle();
    await expect(second).resolves.toBeUndefined();
    await flush();
    expect(calls.map((call) => call.producer)).toEqual([1, 2, 2]);
    calls[2]!.settle();
    await expect(third).resolves.toBeUndefined();
  });

  it('sends batches of other topics at once, and disconnects a failed producer once they have settled', async () => {
    const { kafka, calls, disconnected, flush } = heldKafka();
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);

    // A topic that is gone (kafkajs retries it for seconds) holds up no other topic.
    const gone = publisher.publish([message('gone', 'k', '1')]);
    const other = publisher.publish([message('b', 'k', '2')]);
    await flush();
    expect(calls.map((call) => call.topics)).toEqual([['gone'], ['b']]);
    calls[0]!.settle(new Error('This server does not host this topic-partition'));
    await expect(gone).rejects.toThrow('does not host');
    await flush();
    expect(disconnected).toEqual([]); // the other batch is still on it
    calls[1]!.settle();
    await expect(other).resolves.toBeUndefined();
    await flush();
    expect(disconnected).toEqual([1]);
  });

  it('sends one batch per call through an idempotent producer, waiting for all replicas', async () => {
    const { kafka, producers } = fakeKafka();
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);
    await publisher.publish([
      message('a', 'k', '1'),
      message('b', 'k', '2'),
      message('a', 'k', '3'),
    ]);

    expect(producers).toHaveLength(1);
    expect(producers[0]?.config).toMatchObject({ idempotent: true, allowAutoTopicCreation: false });
    expect(producers[0]?.batches).toEqual([
      {
        acks: -1,
        timeout: 5_000,
        topicMessages: [
          {
            topic: 'a',
            messages: [
              { key: 'k', value: '1', headers: { 'saga-message-id': '1' } },
              { key: 'k', value: '3', headers: { 'saga-message-id': '3' } },
            ],
          },
          { topic: 'b', messages: [{ key: 'k', value: '2', headers: { 'saga-message-id': '2' } }] },
        ],
      },
    ]);
  });

  it('connects nothing for an empty publish', async () => {
    const { kafka, producers } = fakeKafka();
    await new KafkaMessagePublisher(kafka, options, silentTransportLogger).publish([]);
    expect(producers).toHaveLength(0);
  });

  it('rejects a failed publish and uses a new producer (a new producer id) for the next one', async () => {
    const { kafka, producers } = fakeKafka([new Error('Request timed out')]);
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);
    await expect(publisher.publish([message('a', 'k', '1')])).rejects.toThrow('Request timed out');
    await publisher.publish([message('a', 'k', '1')]);
    expect(producers).toHaveLength(2);
    expect(producers[0]?.disconnected).toBe(true);
    expect(producers[1]?.batches).toHaveLength(1);
  });

  it('refuses to publish once closed', async () => {
    const { kafka } = fakeKafka();
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);
    await publisher.close();
    await expect(publisher.publish([message('a', 'k', '1')])).rejects.toThrow('closed');
  });
});

describe('the Kafka publisher over kafkajs, when a leader moves', () => {
  const fastRetry = resolveKafkaTransportOptions({
    brokers: ['kafka:9092'],
    clientId: 'test',
    producer: { retry: { retries: 3, initialRetryTimeMs: 1, maxRetryTimeMs: 5 } },
  });

  it('resolves only once the partitions kafkajs left out of its retry are written too (kafkajs #1303)', async () => {
    // Partition 0 on broker 1, partition 1 on broker 2 (keys a and d go to 0 and 1).
    const leaders = [1, 2];
    const cluster = kafkajsOverFakeCluster('t', leaders);
    cluster.refuse(1, kafkajsProtocolError(6)); // NOT_LEADER_FOR_PARTITION, once
    cluster.onRefresh = () => void (leaders[0] = 2);
    const publisher = new KafkaMessagePublisher(cluster.kafka, fastRetry, silentTransportLogger);

    await publisher.publish([message('t', 'a', '1'), message('t', 'd', '2')]);

    // kafkajs's retry sends nothing to broker 2, which already answered for partition 1: the
    // publisher sends the topic again, partition 0 with the numbers broker 1 was given (a copy
    // broker 1 wrote is a duplicate to the new leader), partition 1 as a second copy.
    expect(cluster.written).toEqual([
      { broker: 2, partition: 1, values: ['2'], firstSequence: 0 },
      { broker: 2, partition: 0, values: ['1'], firstSequence: 0 },
      { broker: 2, partition: 1, values: ['2'], firstSequence: 1 },
    ]);
  });

  it('sends nothing twice when kafkajs retried every partition that failed', async () => {
    const cluster = kafkajsOverFakeCluster('t', [1, 2]);
    cluster.refuse(1, kafkajsProtocolError(6)); // the leaders stay where they are
    const publisher = new KafkaMessagePublisher(cluster.kafka, fastRetry, silentTransportLogger);

    await publisher.publish([message('t', 'a', '1'), message('t', 'd', '2')]);

    expect(cluster.written).toEqual([
      { broker: 2, partition: 1, values: ['2'], firstSequence: 0 },
      { broker: 1, partition: 0, values: ['1'], firstSequence: 0 },
    ]);
  });

  it('writes every record without a key when a retry of kafkajs puts records on other partitions (dead letters of unkeyed messages)', async () => {
    // Partitions 0 and 2 on broker 1, partition 1 on broker 2. kafkajs spreads records without
    // a key round robin, its counter going on from try to try: a retry put them elsewhere, some
    // on broker 2, which already answered and gets nothing more.
    const cluster = kafkajsOverFakeCluster('t.dlq', [1, 2, 1]);
    cluster.refuse(1, kafkajsProtocolError(7)); // REQUEST_TIMED_OUT, once
    const publisher = new KafkaMessagePublisher(cluster.kafka, fastRetry, silentTransportLogger);
    const records = ['1', '2', '3', '4'].map((value) => ({ key: null, value }));

    await publisher.sendRecords('t.dlq', records);

    const written = cluster.written.flatMap((entry) => entry.values).sort();
    expect([...new Set(written)]).toEqual(['1', '2', '3', '4']);
  });

  it('rejects, and replaces the producer, when a partition stays unacknowledged after every resend', async () => {
    // A producer that, as kafkajs does, puts every message through the partitioner, and then
    // answers for partition 1 only.
    const producers: { sent: string[][]; disconnected: boolean }[] = [];
    const kafka = {
      producer(config: ProducerConfig) {
        const made = { sent: [] as string[][], disconnected: false };
        producers.push(made);
        const partition = config.createPartitioner!();
        const partitionMetadata = [0, 1].map((partitionId) => ({
          partitionId,
          leader: 1 + partitionId,
          partitionErrorCode: 0,
          replicas: [],
          isr: [],
        }));
        return {
          connect: async () => undefined,
          disconnect: async () => void (made.disconnected = true),
          sendBatch: async ({ topicMessages = [] }: ProducerBatch) => {
            for (const { topic, messages } of topicMessages) {
              for (const record of messages) {
                partition({ topic, partitionMetadata, message: record });
              }
            }
            made.sent.push(topicMessages.map((entry) => entry.topic));
            return topicMessages.map((entry) => ({
              topicName: entry.topic,
              partition: 1,
              errorCode: 0,
            }));
          },
        } as unknown as Producer;
      },
    } as unknown as Kafka;
    const publisher = new KafkaMessagePublisher(kafka, fastRetry, silentTransportLogger);

    const publishing = publisher.publish([
      message('t', 'a', '1'),
      message('t', 'd', '2'),
      message('u', 'd', '3'),
    ]);

    await expect(publishing).rejects.toThrow('no write to some partitions of t');
    // Topic u (partition 1 only) was complete at once; t went again three times (retries: 3).
    expect(producers[0]!.sent).toEqual([['t', 'u'], ['t'], ['t'], ['t']]);
    await publisher.publish([message('u', 'd', '4')]);
    expect(producers).toHaveLength(2);
    expect(producers[0]!.disconnected).toBe(true);
  });
});

describe('the dead letters of the Kafka publisher', () => {
  let uninstall: () => void;

  beforeAll(() => {
    uninstall = installGlobalTracing(new SpanCollector(), {
      propagator: true,
      contextManager: true,
    });
  });

  afterAll(() => uninstall());

  /** A Kafka client whose sendBatch does what the kafkajs instrumentation does to each record. */
  function instrumentedKafka() {
    const sent: Message[] = [];
    const kafka = {
      producer: () =>
        ({
          connect: async () => undefined,
          disconnect: async () => undefined,
          sendBatch: async (batch: ProducerBatch) => {
            for (const { messages } of batch.topicMessages ?? []) {
              for (const record of messages) {
                const span = trace.getTracer('kafkajs').startSpan('send');
                record.headers ??= {};
                propagation.inject(trace.setSpan(context.active(), span), record.headers);
                span.end();
                sent.push(record);
              }
            }
            return [];
          },
        }) as unknown as Producer,
    } as unknown as Kafka;
    return { kafka, sent };
  }

  it("keep the original record's trace context, sent while the consumer's poll span is active", async () => {
    const { kafka, sent } = instrumentedKafka();
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const record: Message = {
      key: 's-1',
      value: '{}',
      headers: { traceparent: Buffer.from(traceparent), tracestate: Buffer.from('vendor=1') },
    };
    const poll = trace.getTracer('kafkajs').startSpan('poll saga.replies');

    await context.with(trace.setSpan(context.active(), poll), () =>
      publisher.sendRecords('saga.replies.dlq', [record]),
    );
    poll.end();

    expect(sent).toHaveLength(1);
    expect(String(sent[0]!.headers!.traceparent)).toBe(traceparent);
    expect(String(sent[0]!.headers!.tracestate)).toBe('vendor=1');
  });
});
