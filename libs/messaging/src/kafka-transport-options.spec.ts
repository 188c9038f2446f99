import {
  describeKafkaTransport,
  resolveConsumerOptions,
  resolveKafkaTransportOptions,
  toConsumerConfig,
} from './kafka-transport-options.js';

const minimal = { brokers: ['kafka-1:9092'], clientId: 'saga-coordinator' };

describe('the Kafka transport options', () => {
  it('fill in documented defaults', () => {
    const resolved = resolveKafkaTransportOptions(minimal);
    expect(resolved).toMatchObject({
      connectionTimeoutMs: 3_000,
      requestTimeoutMs: 30_000,
      retry: { retries: 5, initialRetryTimeMs: 300, maxRetryTimeMs: 30_000, multiplier: 2 },
      producer: { ackTimeoutMs: 30_000 },
      consumer: {
        sessionTimeoutMs: 10_000,
        heartbeatIntervalMs: 1_000,
        rebalanceTimeoutMs: 60_000,
        restartMaxDelayMs: 5_000,
        maxWaitTimeMs: 1_000,
        maxBatchSize: 100,
        handlerRetry: { initialDelayMs: 100, multiplier: 2, maxDelayMs: 30_000 },
      },
      replicationFactor: -1,
      logLevel: 'warn',
    });
  });

  it.each([
    [{ ...minimal, brokers: [] }, 'brokers'],
    [{ ...minimal, brokers: ['kafka-1'] }, 'brokers: expected host:port'],
    [{ ...minimal, clientId: ' ' }, 'clientId'],
    [{ ...minimal, consumer: { maxBatchSize: 0 } }, 'consumer.maxBatchSize'],
    [{ ...minimal, consumer: { restartMaxDelayMs: 0 } }, 'consumer.restartMaxDelayMs'],
    [
      { ...minimal, consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 3_000 } },
      'heartbeatIntervalMs',
    ],
    [
      { ...minimal, consumer: { handlerRetry: { multiplier: 0 } } },
      'consumer.handlerRetry.multiplier',
    ],
    [
      {
        ...minimal,
        consumer: { waitUnderLoad: { fromRecordsPerSecond: -1, minBytes: 1, maxWaitMs: 10 } },
      },
      'consumer.waitUnderLoad.fromRecordsPerSecond',
    ],
    [
      {
        ...minimal,
        consumer: { waitUnderLoad: { fromRecordsPerSecond: 400, minBytes: 0, maxWaitMs: 10 } },
      },
      'consumer.waitUnderLoad.minBytes',
    ],
    [
      {
        ...minimal,
        consumer: { waitUnderLoad: { fromRecordsPerSecond: 400, minBytes: 1, maxWaitMs: 2.5 } },
      },
      'consumer.waitUnderLoad.maxWaitMs',
    ],
    [{ ...minimal, producer: { retry: { retries: -1 } } }, 'producer.retry.retries'],
    [{ ...minimal, replicationFactor: 0 }, 'replicationFactor'],
  ])('name the bad field (%#)', (options, field) => {
    expect(() => resolveKafkaTransportOptions(options)).toThrow(field);
  });

  it('let one consumer override the defaults field by field', () => {
    const base = resolveKafkaTransportOptions({
      ...minimal,
      consumer: { maxBatchSize: 50, handlerRetry: { maxDelayMs: 5_000 } },
    }).consumer;
    const consumer = resolveConsumerOptions({ handlerRetry: { initialDelayMs: 10 } }, base);
    expect(consumer.maxBatchSize).toBe(50);
    expect(consumer.waitUnderLoad).toBeUndefined();
    const under = { fromRecordsPerSecond: 400, minBytes: 16_384, maxWaitMs: 10 };
    expect(resolveConsumerOptions({ waitUnderLoad: under }, base).waitUnderLoad).toEqual(under);
    expect(consumer.handlerRetry).toEqual({ initialDelayMs: 10, multiplier: 2, maxDelayMs: 5_000 });
  });

  it('never create topics from a consumer', () => {
    const resolved = resolveKafkaTransportOptions(minimal);
    expect(toConsumerConfig('g', resolved.consumer, resolved.retry)).toMatchObject({
      groupId: 'g',
      allowAutoTopicCreation: false,
      sessionTimeout: 10_000,
    });
  });

  it('describe themselves without credentials', () => {
    const resolved = resolveKafkaTransportOptions({
      ...minimal,
      ssl: { ca: ['-----BEGIN CERTIFICATE-----'] },
      sasl: { mechanism: 'scram-sha-512', username: 'svc-user', password: 'hunter2' },
    });
    const description = describeKafkaTransport(resolved);
    expect(description).toEqual({
      brokers: ['kafka-1:9092'],
      clientId: 'saga-coordinator',
      tls: true,
      saslMechanism: 'scram-sha-512',
    });
    expect(JSON.stringify(description)).not.toMatch(/hunter2|svc-user|CERTIFICATE/);
  });
});
