import type { Consumer, ConsumerConfig, ConsumerRunConfig, Kafka } from 'kafkajs';
import { KafkaMessageConsumer } from './kafka-message-consumer.js';
import { resolveKafkaTransportOptions } from './kafka-transport-options.js';
import { silentTransportLogger } from './transport-logger.js';

const EVENTS = { GROUP_JOIN: 'join', CRASH: 'crash', FETCH_START: 'fetch_start' };

/** A kafkajs client whose one consumer joins (or crashes) when run, and writes down calls. */
function fakeKafka(outcome: 'join' | 'crash' = 'join') {
  const calls: string[] = [];
  const listeners = new Map<string, ((event: unknown) => void)[]>();
  let config: ConsumerConfig | undefined;
  let run: ConsumerRunConfig | undefined;
  let pausedThrows = false;
  const consumer = {
    events: EVENTS,
    on: (name: string, listener: (event: unknown) => void) => {
      listeners.set(name, [...(listeners.get(name) ?? []), listener]);
    },
    connect: async () => void calls.push('connect'),
    subscribe: async (s: { topics: string[]; fromBeginning: boolean }) =>
      void calls.push(`subscribe ${s.topics.join(',')} fromBeginning=${s.fromBeginning}`),
    run: async (r: ConsumerRunConfig) => {
      run = r;
      const emit = (name: string, payload: object) =>
        listeners.get(name)?.forEach((listener) => listener({ payload }));
      if (outcome === 'join') {
        emit(EVENTS.GROUP_JOIN, { memberId: 'm-1', memberAssignment: { t: [0, 1] } });
      } else {
        emit(EVENTS.CRASH, { error: new Error('no broker'), restart: false });
      }
    },
    pause: (topics: { topic: string }[]) => {
      if (pausedThrows) throw new Error('Consumer group was not initialized');
      calls.push(`pause ${topics.map((t) => t.topic).join(',')}`);
    },
    resume: (topics: { topic: string }[]) =>
      void calls.push(`resume ${topics.map((t) => t.topic).join(',')}`),
    disconnect: async () => void calls.push('disconnect'),
  };
  const kafka = {
    consumer: (c: ConsumerConfig) => {
      config = c;
      return consumer as unknown as Consumer;
    },
  } as unknown as Kafka;
  return {
    kafka,
    calls,
    config: () => config,
    run: () => run,
    failPause: () => (pausedThrows = true),
  };
}

function consumerOn(kafka: Kafka): KafkaMessageConsumer {
  const options = resolveKafkaTransportOptions({ brokers: ['k:9092'], clientId: 'c' });
  return new KafkaMessageConsumer({
    kafka,
    consumer: options.consumer,
    retry: options.retry,
    deadLetters: { sendRecords: async () => undefined },
    logger: silentTransportLogger,
  });
}

const start = {
  groupId: 'coordinator',
  topics: ['t', 't'],
  handleBatch: async () => ({ deadLetters: [] }),
};

describe('the kafkajs consumer adapter', () => {
  it('joins from the earliest offset with manual commits and manual offset resolution', async () => {
    const fake = fakeKafka();
    await consumerOn(fake.kafka).start(start);
    expect(fake.calls).toEqual(['connect', 'subscribe t fromBeginning=true']);
    expect(fake.config()).toMatchObject({ groupId: 'coordinator', allowAutoTopicCreation: false });
    expect(fake.run()).toMatchObject({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
    });
    expect(typeof fake.run()?.eachBatch).toBe('function');
  });

  it('rejects start and disconnects when the first join crashes', async () => {
    const fake = fakeKafka('crash');
    await expect(consumerOn(fake.kafka).start(start)).rejects.toThrow('no broker');
    expect(fake.calls).toContain('disconnect');
  });

  it('pauses and resumes every subscribed topic, also when paused before it started', async () => {
    const fake = fakeKafka();
    const consumer = consumerOn(fake.kafka);
    consumer.pause();
    await consumer.start({ ...start, topics: ['a', 'b'] });
    consumer.resume();
    consumer.pause();
    expect(fake.calls.slice(2)).toEqual(['pause a,b', 'resume a,b', 'pause a,b']);
  });

  it('keeps the pause as a flag when kafkajs cannot apply it (restarting after a crash)', async () => {
    const fake = fakeKafka();
    const consumer = consumerOn(fake.kafka);
    await consumer.start(start);
    fake.failPause();
    expect(() => consumer.pause()).not.toThrow();
  });

  it('stops once, however often it is asked', async () => {
    const fake = fakeKafka();
    const consumer = consumerOn(fake.kafka);
    await consumer.start(start);
    await Promise.all([consumer.stop(), consumer.stop()]);
    expect(fake.calls.filter((c) => c === 'disconnect')).toHaveLength(1);
  });

  it('refuses a second start and a start without topics', async () => {
    const consumer = consumerOn(fakeKafka().kafka);
    await expect(consumer.start({ ...start, topics: [] })).rejects.toThrow('at least one topic');
    const started = consumerOn(fakeKafka().kafka);
    await started.start(start);
    await expect(started.start(start)).rejects.toThrow('started once');
  });
});
