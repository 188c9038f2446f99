import { jest } from '@jest/globals';
import {
  KafkaJSNonRetriableError,
  KafkaJSProtocolError,
  type Consumer,
  type ConsumerConfig,
  type ConsumerRunConfig,
  type EachBatchPayload,
  type Kafka,
} from 'kafkajs';
import { KafkaMessageConsumer } from './kafka-message-consumer.js';
import {
  resolveConsumerOptions,
  resolveKafkaTransportOptions,
  type KafkaConsumerOptions,
} from './kafka-transport-options.js';
import { kafkajsProtocolError } from './kafkajs-cluster.fixture.js';
import { silentTransportLogger, type TransportLogger } from './transport-logger.js';
import type { AccessRefusal } from '#saga-core';

const EVENTS = {
  GROUP_JOIN: 'join',
  CRASH: 'crash',
  FETCH_START: 'fetch_start',
  FETCH: 'fetch',
  END_BATCH_PROCESS: 'end_batch_process',
  HEARTBEAT: 'heartbeat',
};

/**
 * `join`; `crash` before joining; `throw` from run; `refused`: join, then crash at the first
 * fetch (TOPIC_AUTHORIZATION_FAILED); `group-refused`: crash at the join
 * (GROUP_AUTHORIZATION_FAILED); `fetch-then-crash`: join, fetch, then crash.
 */
type Outcome = 'join' | 'crash' | 'throw' | 'refused' | 'group-refused' | 'fetch-then-crash';

/** kafkajs's error for broker error `code` as its retrier rejects it (non-retriable, wrapped). */
function refusal(code: number): Error {
  const error = kafkajsProtocolError(code);
  return Object.assign(new KafkaJSNonRetriableError(error), { cause: error });
}

/**
 * A kafkajs client whose consumers join, crash (a CRASH event) or throw when run, the n-th made
 * consumer as `outcomes[n]` says (then: join), and writes down calls.
 */
function fakeKafka(outcomes: Outcome[] = []) {
  const calls: string[] = [];
  let config: ConsumerConfig | undefined;
  let run: ConsumerRunConfig | undefined;
  let made = 0;
  let crashCurrent: (() => void) | undefined;
  let emitCurrent: ((name: string, payload: object) => void) | undefined;
  const makeConsumer = (outcome: Outcome) => {
    const listeners = new Map<string, ((event: unknown) => void)[]>();
    const emit = (name: string, payload: object) =>
      listeners.get(name)?.forEach((listener) => listener({ payload }));
    crashCurrent = () => emit(EVENTS.CRASH, { error: new Error('lost'), restart: false });
    emitCurrent = emit;
    return {
      events: EVENTS,
      on: (name: string, listener: (event: unknown) => void) => {
        listeners.set(name, [...(listeners.get(name) ?? []), listener]);
      },
      connect: async () => void calls.push('connect'),
      subscribe: async (s: { topics: string[]; fromBeginning: boolean }) =>
        void calls.push(`subscribe ${s.topics.join(',')} fromBeginning=${s.fromBeginning}`),
      run: async (r: ConsumerRunConfig) => {
        run = r;
        if (outcome === 'throw') {
          throw new KafkaJSProtocolError(
            Object.assign(new Error('The coordinator is loading'), {
              type: 'COORDINATOR_LOAD_IN_PROGRESS',
              code: 14,
            }),
          );
        }
        if (outcome === 'group-refused') {
          emit(EVENTS.CRASH, { error: refusal(30), restart: false });
          return;
        }
        if (outcome === 'crash') {
          emit(EVENTS.CRASH, { error: new Error('no broker'), restart: true });
          return;
        }
        emit(EVENTS.GROUP_JOIN, { memberId: 'm-1', memberAssignment: { t: [0, 1] } });
        if (outcome === 'refused') emit(EVENTS.CRASH, { error: refusal(29), restart: false });
        if (outcome === 'fetch-then-crash') {
          emit(EVENTS.FETCH, { numberOfBatches: 0, duration: 1, nodeId: 1 });
          emit(EVENTS.CRASH, { error: new Error('lost'), restart: true });
        }
      },
      // Never called by the adapter (see the pause tests): written down if they were.
      pause: () => void calls.push('pause'),
      resume: () => void calls.push('resume'),
      disconnect: async () => void calls.push('disconnect'),
    };
  };
  const kafka = {
    consumer: (c: ConsumerConfig) => {
      config = c;
      made += 1;
      return makeConsumer(outcomes[made - 1] ?? 'join') as unknown as Consumer;
    },
  } as unknown as Kafka;
  return {
    kafka,
    calls,
    config: () => config,
    run: () => run,
    made: () => made,
    crash: () => crashCurrent?.(),
    emit: (name: string, payload: object) => emitCurrent?.(name, payload),
  };
}

function consumerOn(
  kafka: Kafka,
  tuning: KafkaConsumerOptions = {},
  logger: TransportLogger = silentTransportLogger,
): KafkaMessageConsumer {
  const options = resolveKafkaTransportOptions({
    brokers: ['k:9092'],
    clientId: 'c',
    retry: { initialRetryTimeMs: 1, maxRetryTimeMs: 4 },
  });
  return new KafkaMessageConsumer({
    kafka,
    consumer: resolveConsumerOptions(tuning, options.consumer),
    retry: options.retry,
    deadLetters: { sendRecords: async () => undefined },
    logger,
  });
}

/** A logger that writes down the `restartInMs` of each restart after a crash. */
function restartsInto(delays: number[]): TransportLogger {
  return {
    log: (_level, _message, fields) => {
      if (typeof fields?.['restartInMs'] === 'number') delays.push(fields['restartInMs']);
    },
  };
}

/** Polls `done` on every turn of the event loop until it holds. */
async function waitUntil(done: () => boolean): Promise<void> {
  while (!done()) await new Promise((resolve) => setImmediate(resolve));
}

/** A kafkajs payload of one `{}` record at `offset` of partition `partition` of topic t. */
function oneRecordPayload(
  partition: number,
  offset: string,
  highWatermark: string,
  commitOffsetsIfNecessary: (offsets?: unknown) => Promise<void> = async () => undefined,
): EachBatchPayload {
  return {
    batch: {
      topic: 't',
      partition,
      highWatermark,
      messages: [{ key: null, value: Buffer.from('{}'), headers: {}, offset }],
    },
    resolveOffset: () => undefined,
    heartbeat: async () => undefined,
    pause: () => () => undefined,
    commitOffsetsIfNecessary,
    uncommittedOffsets: () => ({ topics: [] }),
    isRunning: () => true,
    isStale: () => false,
  } as unknown as EachBatchPayload;
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

  it('restarts a consumer whose first join crashes, and resolves start at the join', async () => {
    const fake = fakeKafka(['crash', 'throw']);
    const consumer = consumerOn(fake.kafka);
    await consumer.start(start);
    expect(fake.made()).toBe(3);
    expect(consumer.isMember()).toBe(true);
    expect(fake.calls.filter((c) => c === 'disconnect')).toHaveLength(2);
    await consumer.stop();
  });

  it('restarts a consumer that crashes after its join, and is no member meanwhile', async () => {
    const fake = fakeKafka();
    const consumer = consumerOn(fake.kafka);
    await consumer.start(start);
    fake.crash();
    expect(consumer.isMember()).toBe(false);
    await waitUntil(() => fake.made() === 2 && consumer.isMember());
    await consumer.stop();
    expect(fake.calls.filter((c) => c === 'disconnect')).toHaveLength(2);
  });

  describe('with a fake clock', () => {
    beforeEach(() => jest.useFakeTimers());
    afterEach(() => jest.useRealTimers());

    /** Stops `consumer`, running the clock meanwhile (a stop waits a turn of the event loop). */
    async function stopOnFakeClock(consumer: KafkaMessageConsumer): Promise<void> {
      await Promise.all([consumer.stop(), jest.advanceTimersByTimeAsync(10)]);
    }

    it('backs off longer after each join that crashes before its first fetch, up to its cap', async () => {
      const fake = fakeKafka(Array<Outcome>(6).fill('refused'));
      const delays: number[] = [];
      // Restarts after 1 ms doubling, capped at 8 ms.
      const consumer = consumerOn(fake.kafka, { restartMaxDelayMs: 8 }, restartsInto(delays));
      await consumer.start(start);
      await jest.advanceTimersByTimeAsync(100);

      expect(delays).toEqual([1, 2, 4, 8, 8, 8]);
      expect(fake.made()).toBe(7);
      expect(consumer.isMember()).toBe(true);
      await stopOnFakeClock(consumer);
    });

    it('backs off from the start again after a crash that followed a fetch', async () => {
      const outcomes: Outcome[] = ['crash', 'crash', 'crash', 'fetch-then-crash', 'crash'];
      const fake = fakeKafka(outcomes);
      const delays: number[] = [];
      const consumer = consumerOn(fake.kafka, { restartMaxDelayMs: 8 }, restartsInto(delays));
      const started = consumer.start(start);
      await jest.advanceTimersByTimeAsync(100);
      await started;

      expect(delays).toEqual([1, 2, 4, 1, 2]);
      await stopOnFakeClock(consumer);
    });

    it('tells its owner each crash on access refused, to a topic or to the group, with the error type', async () => {
      const fake = fakeKafka(['refused', 'group-refused', 'crash']);
      const refusals: AccessRefusal[] = [];
      const consumer = consumerOn(fake.kafka);
      await consumer.start({ ...start, onAccessRefused: (refused) => refusals.push(refused) });
      await jest.advanceTimersByTimeAsync(100);

      expect(refusals).toEqual([
        { scope: 'topic', errorType: 'TOPIC_AUTHORIZATION_FAILED' },
        { scope: 'group', errorType: 'GROUP_AUTHORIZATION_FAILED' },
      ]);
      await stopOnFakeClock(consumer);
    });
  });

  it('reports its backlog from its assignment on, keeps it through a crash, and moves past batches kafkajs filtered empty', async () => {
    const fake = fakeKafka();
    const reports: { messages: number; partitions: number }[] = [];
    const consumer = consumerOn(fake.kafka);
    await consumer.start({ ...start, onBacklog: (backlog) => reports.push({ ...backlog }) });
    // Offset 3 of partition 1 handed over while the log ends before 7.
    await fake.run()!.eachBatch!(oneRecordPayload(1, '3', '7'));
    // Offsets 4 and 5: control records only, which kafkajs hands nobody.
    const filtered = { topic: 't', partition: 1, highWatermark: '7', batchSize: 0 };
    fake.emit(EVENTS.END_BATCH_PROCESS, { ...filtered, firstOffset: '4', lastOffset: '5' });
    fake.crash();
    const beforeRejoin = reports.length;
    await waitUntil(() => fake.made() === 2 && consumer.isMember());

    expect(reports.slice(0, beforeRejoin)).toEqual([
      { messages: 0, partitions: 2 },
      { messages: 4, partitions: 2 },
      { messages: 3, partitions: 2 },
      { messages: 1, partitions: 2 },
    ]);
    // The new assignment starts from nothing.
    expect(reports.slice(beforeRejoin)).toEqual([{ messages: 0, partitions: 2 }]);
    await consumer.stop();
  });

  it('resolves start when stopped before any join, and makes no consumer after', async () => {
    const fake = fakeKafka(Array<Outcome>(1000).fill('throw'));
    const consumer = consumerOn(fake.kafka);
    const started = consumer.start(start);
    await waitUntil(() => fake.made() >= 2);
    await consumer.stop();
    await started;
    const made = fake.made();
    expect(fake.made()).toBe(made);
    expect(consumer.isMember()).toBe(false);
  });

  it('while paused, holds a fetched batch without telling kafkajs, and hands it over at resume', async () => {
    const fake = fakeKafka();
    const handed: string[] = [];
    const consumer = consumerOn(fake.kafka);
    consumer.pause(); // before it starts: it starts paused
    await consumer.start({
      ...start,
      handleBatch: async (messages) => {
        handed.push(...messages.map((message) => message.value ?? ''));
        return { deadLetters: [] };
      },
    });
    let done = false;
    void fake.run()!.eachBatch!(oneRecordPayload(0, '5', '6')).then(() => (done = true));
    // Held across turns of the event loop: nothing handed over, nothing finished.
    for (let turn = 0; turn < 20; turn++) await new Promise((resolve) => setImmediate(resolve));
    expect(handed).toEqual([]);
    expect(done).toBe(false);

    consumer.resume();
    await waitUntil(() => done);
    expect(handed).toEqual(['{}']);
    // kafkajs is never paused: it would sleep its idle fetch wait between fetches.
    expect(fake.calls.filter((call) => /^(pause|resume)/.test(call))).toEqual([]);
  });

  it('gives up a batch held while paused when stopped, handing nothing over', async () => {
    const fake = fakeKafka();
    let handed = 0;
    const consumer = consumerOn(fake.kafka);
    await consumer.start({
      ...start,
      handleBatch: async () => {
        handed += 1;
        return { deadLetters: [] };
      },
    });
    consumer.pause();
    const held = fake.run()!.eachBatch!(oneRecordPayload(0, '5', '6'));
    await consumer.stop();
    await held;
    expect(handed).toBe(0);
  });

  it('holds the next fetch under load, until stopped', async () => {
    const fake = fakeKafka();
    // From 0 records a second, a wait for more bytes than ever come: a minute, cut by stop.
    const waitUnderLoad = { fromRecordsPerSecond: 0, minBytes: 1_000_000_000, maxWaitMs: 60_000 };
    const consumer = consumerOn(fake.kafka, { waitUnderLoad });
    await consumer.start(start);
    const committed: string[] = [];
    let handled = false;
    const payload = oneRecordPayload(0, '0', '1', async () => void committed.push('0'));
    void fake.run()!.eachBatch!(payload).then(() => (handled = true));

    await waitUntil(() => committed.length === 1);
    for (let turn = 0; turn < 50; turn += 1) await new Promise((r) => setImmediate(r));
    expect(handled).toBe(false); // committed, and waiting before kafkajs may fetch again

    await consumer.stop();
    expect(handled).toBe(true);
  });

  it('commits again on its next heartbeat what a failed commit left, the partition idle since', async () => {
    const fake = fakeKafka();
    const consumer = consumerOn(fake.kafka);
    await consumer.start(start);
    const requests: unknown[] = [];
    const payload = {
      ...oneRecordPayload(0, '5', '6', async (offsets?: unknown) => {
        requests.push(offsets);
        if (requests.length === 1) throw new Error('Request OffsetCommit timed out');
      }),
      // kafkajs holds offset 5 resolved: it fetches on from 6.
      uncommittedOffsets: () => ({
        topics: [{ topic: 't', partitions: [{ partition: 0, offset: '6' }] }],
      }),
    } as EachBatchPayload;
    await expect(fake.run()!.eachBatch!(payload)).rejects.toThrow('timed out');

    fake.emit(EVENTS.HEARTBEAT, { groupId: 'coordinator', memberId: 'm-1' });
    await waitUntil(() => requests.length === 2);
    expect(requests[1]).toEqual({
      topics: [{ topic: 't', partitions: [{ partition: 0, offset: '6' }] }],
    });
    await consumer.stop();
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
