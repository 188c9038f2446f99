// The contract every MessagePublisher / MessageConsumer / TopicAdministrator adapter must keep.
// `describeTransportContract` registers the same tests for any adapter; the spec files beside it
// run them on the kafkajs adapter (real broker) and on the in-memory one.
import { DEAD_LETTER_HEADERS } from '#contracts';
import type {
  BatchHandler,
  BatchOutcome,
  ConsumerStartOptions,
  IncomingMessage,
  MessageConsumer,
  MessagePublisher,
  OutgoingMessage,
  TopicAdministrator,
} from '#saga-core';
import { uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

/** A consumer made by the adapter under test, with a way to wait for it to poll. */
export interface ConsumerUnderTest {
  readonly consumer: MessageConsumer;
  /** Resolves once the consumer has looked for messages again (and handed over what it found) since this call. */
  settled(): Promise<void>;
}

/** An adapter under test, with probes that only tests need. */
export interface TransportUnderTest {
  readonly publisher: MessagePublisher;
  readonly administrator: TopicAdministrator;
  createConsumer(): ConsumerUnderTest;
  /** The group's committed positions in `topic`, summed over the partitions (0 when none). */
  committedCount(groupId: string, topic: string): Promise<number>;
  /** Resolves once `members` consumers of the group share its partitions (the rebalance is over). */
  groupSettled(groupId: string, members: number): Promise<void>;
  close(): Promise<void>;
}

/** Options of the suite: how long one test may take, in ms. */
export interface TransportContractOptions {
  readonly testTimeoutMs: number;
}

const NO_DEAD_LETTERS: BatchOutcome = { deadLetters: [] };

/** Registers the transport contract tests for the adapter that `create` builds. */
export function describeTransportContract(
  name: string,
  create: () => Promise<TransportUnderTest>,
  { testTimeoutMs }: TransportContractOptions,
): void {
  describe(`the message transport contract (${name})`, () => {
    let transport: TransportUnderTest;
    let running: MessageConsumer[] = [];

    beforeAll(async () => {
      transport = await create();
    }, testTimeoutMs);

    afterEach(async () => {
      await Promise.all(running.map((consumer) => consumer.stop()));
      running = [];
    }, testTimeoutMs);

    afterAll(async () => {
      await transport?.close();
    }, testTimeoutMs);

    /** A fresh topic and its dead-letter topic. */
    async function newTopic(partitions: number): Promise<string> {
      const topic = uniqueName('contract');
      await transport.administrator.ensureTopics([
        { topic, partitions },
        { topic: `${topic}.dlq`, partitions: 1 },
      ]);
      return topic;
    }

    /** Starts a consumer in `groupId` on `topics`; it is stopped after the test. */
    async function startConsumer(
      groupId: string,
      topics: string[],
      handleBatch: BatchHandler,
      onBacklog?: ConsumerStartOptions['onBacklog'],
    ): Promise<ConsumerUnderTest> {
      const made = transport.createConsumer();
      running.push(made.consumer);
      await made.consumer.start({ groupId, topics, handleBatch, ...(onBacklog && { onBacklog }) });
      return made;
    }

    /** A handler that records every message and handles it. */
    function recorder(): { seen: IncomingMessage[]; handleBatch: BatchHandler } {
      const seen: IncomingMessage[] = [];
      return {
        seen,
        handleBatch: async (messages) => {
          seen.push(...messages);
          return NO_DEAD_LETTERS;
        },
      };
    }

    function message(topic: string, key: string, value: unknown, id: string): OutgoingMessage {
      return {
        topic,
        key,
        headers: { 'saga-message-id': id, 'content-type': 'application/json' },
        value: JSON.stringify(value),
      };
    }

    const valuesOf = (messages: readonly IncomingMessage[]): unknown[] =>
      messages.map((m) => (m.value === null ? null : JSON.parse(m.value)));

    it(
      'delivers the messages of each key in the order they were published, with key and headers intact',
      async () => {
        const topic = await newTopic(3);
        const keys = ['saga-a', 'saga-b', 'saga-c', 'saga-d', 'saga-e', 'saga-ü'];
        const sent = Array.from({ length: 60 }, (_, i) => ({ key: keys[i % keys.length]!, n: i }));
        const toMessage = ({ key, n }: { key: string; n: number }) =>
          message(topic, key, { key, n }, `m${n}`);
        await transport.publisher.publish(sent.slice(0, 30).map(toMessage));
        await transport.publisher.publish(sent.slice(30).map(toMessage));

        const { seen, handleBatch } = recorder();
        await startConsumer(uniqueName('group'), [topic], handleBatch);
        await waitFor('all 60 messages', () => seen.length >= 60);

        expect(seen).toHaveLength(60);
        for (const key of keys) {
          const ofKey = seen.filter((m) => m.key === key).map((m) => JSON.parse(m.value ?? ''));
          expect(ofKey).toEqual(sent.filter((s) => s.key === key));
        }
        const first = seen.find((m) => m.key === 'saga-ü');
        expect(first?.topic).toBe(topic);
        expect(first?.headers).toEqual({
          'saga-message-id': 'm5',
          'content-type': 'application/json',
        });
      },
      testTimeoutMs,
    );

    it(
      'hands a batch whose handler threw over again, and commits nothing until it succeeds',
      async () => {
        const topic = await newTopic(1);
        const groupId = uniqueName('group');
        await transport.publisher.publish(
          [0, 1, 2].map((n) => message(topic, 'saga-1', n, `m${n}`)),
        );

        const batches: unknown[][] = [];
        const committedDuringRetries: number[] = [];
        await startConsumer(groupId, [topic], async (messages) => {
          batches.push(valuesOf(messages));
          if (batches.length > 1) {
            committedDuringRetries.push(await transport.committedCount(groupId, topic));
          }
          if (batches.length <= 2) throw new Error('the database is down');
          return NO_DEAD_LETTERS;
        });

        await waitFor('the batch to be committed', async () => {
          return (await transport.committedCount(groupId, topic)) === 3;
        });
        expect(batches.length).toBeGreaterThanOrEqual(3);
        expect(batches[0]).toEqual([0, 1, 2]);
        expect(batches[1]).toEqual(batches[0]);
        expect(batches[2]).toEqual(batches[0]);
        expect(committedDuringRetries.slice(0, 2)).toEqual([0, 0]);
      },
      testTimeoutMs,
    );

    it(
      'moves a dead-lettered message to <topic>.dlq with the reason and its origin, and goes on',
      async () => {
        const topic = await newTopic(1);
        const groupId = uniqueName('group');
        const before = Date.now();
        await transport.publisher.publish([
          message(topic, 'saga-7', { n: 0 }, 'm0'),
          message(topic, 'saga-7', { n: 1, poison: true }, 'm1'),
          message(topic, 'saga-7', { n: 2 }, 'm2'),
        ]);

        const handled: unknown[] = [];
        await startConsumer(groupId, [topic], async (messages) => {
          const deadLetters = messages
            .filter((m) => m.value?.includes('poison'))
            .map((m) => ({ message: m, reason: 'invalid reply: sagaId is missing' }));
          handled.push(...valuesOf(messages.filter((m) => !m.value?.includes('poison'))));
          return { deadLetters };
        });
        await waitFor('the batch to be committed', async () => {
          return (await transport.committedCount(groupId, topic)) === 3;
        });
        expect(handled).toEqual([{ n: 0 }, { n: 2 }]);

        const dlq = recorder();
        await startConsumer(uniqueName('dlq_reader'), [`${topic}.dlq`], dlq.handleBatch);
        await waitFor('the dead letter', () => dlq.seen.length >= 1);
        const [dead] = dlq.seen;
        expect(dead?.key).toBe('saga-7');
        expect(dead?.value).toBe(JSON.stringify({ n: 1, poison: true }));
        expect(dead?.headers).toMatchObject({
          'saga-message-id': 'm1',
          'content-type': 'application/json',
          [DEAD_LETTER_HEADERS.reason]: 'invalid reply: sagaId is missing',
          [DEAD_LETTER_HEADERS.originalTopic]: topic,
          [DEAD_LETTER_HEADERS.originalPartition]: '0',
          [DEAD_LETTER_HEADERS.originalOffset]: '1',
        });
        const failedAt = Date.parse(dead?.headers[DEAD_LETTER_HEADERS.failedAt] ?? '');
        expect(failedAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(failedAt).toBeLessThanOrEqual(Date.now() + 1_000);

        await transport.publisher.publish([message(topic, 'saga-7', { n: 3 }, 'm3')]);
        await waitFor('the message after the dead letter', () => handled.length === 3);
        expect(handled[2]).toEqual({ n: 3 });
      },
      testTimeoutMs,
    );

    it(
      'lets a new consumer of the group resume right after the last committed message once the first stopped',
      async () => {
        const topic = await newTopic(2);
        const groupId = uniqueName('group');
        const first = Array.from({ length: 6 }, (_, n) => message(topic, `saga-${n}`, n, `m${n}`));
        const second = Array.from({ length: 4 }, (_, n) =>
          message(topic, `saga-${n}`, 6 + n, `m${6 + n}`),
        );
        await transport.publisher.publish(first);

        const before = recorder();
        const { consumer } = await startConsumer(groupId, [topic], before.handleBatch);
        await waitFor('the first messages', () => before.seen.length >= 6);
        await consumer.stop();
        expect(await transport.committedCount(groupId, topic)).toBe(6);

        await transport.publisher.publish(second);
        const after = recorder();
        const resumed = await startConsumer(groupId, [topic], after.handleBatch);
        await waitFor('the later messages', () => after.seen.length >= 4);
        await resumed.settled();
        expect(valuesOf(before.seen).sort()).toEqual([0, 1, 2, 3, 4, 5]);
        expect(valuesOf(after.seen).sort()).toEqual([6, 7, 8, 9]);
      },
      testTimeoutMs,
    );

    it(
      'finishes and commits the batch in hand when stopped',
      async () => {
        const topic = await newTopic(1);
        const groupId = uniqueName('group');
        await transport.publisher.publish([
          message(topic, 'saga-1', 0, 'm0'),
          message(topic, 'saga-1', 1, 'm1'),
        ]);

        let release: () => void = () => undefined;
        const released = new Promise<void>((resolve) => (release = resolve));
        let inHand = false;
        const { consumer } = await startConsumer(groupId, [topic], async () => {
          inHand = true;
          await released;
          return NO_DEAD_LETTERS;
        });
        await waitFor('a batch in hand', () => inHand);
        const stopped = consumer.stop();
        release();
        await stopped;
        expect(await transport.committedCount(groupId, topic)).toBe(2);
      },
      testTimeoutMs,
    );

    it(
      'lets two consumers of a group share the partitions and together see every message once',
      async () => {
        const topic = await newTopic(4);
        const groupId = uniqueName('group');
        const one = recorder();
        const two = recorder();
        const consumerOne = await startConsumer(groupId, [topic], one.handleBatch);
        const consumerTwo = await startConsumer(groupId, [topic], two.handleBatch);
        await transport.groupSettled(groupId, 2);

        const sent = Array.from({ length: 40 }, (_, n) =>
          message(topic, `saga-${n % 20}`, n, `m${n}`),
        );
        await transport.publisher.publish(sent);
        await waitFor('every message', () => one.seen.length + two.seen.length >= 40);
        await Promise.all([consumerOne.settled(), consumerTwo.settled()]);

        expect(one.seen.length).toBeGreaterThan(0);
        expect(two.seen.length).toBeGreaterThan(0);
        const all = valuesOf([...one.seen, ...two.seen]) as number[];
        expect(all.sort((a, b) => a - b)).toEqual(sent.map((_, n) => n));
        const keysOfOne = new Set(one.seen.map((m) => m.key));
        expect(two.seen.filter((m) => keysOfOne.has(m.key))).toEqual([]);
      },
      testTimeoutMs,
    );

    it(
      'stops delivering while paused and delivers again after resume',
      async () => {
        const topic = await newTopic(1);
        const { seen, handleBatch } = recorder();
        const { consumer, settled } = await startConsumer(
          uniqueName('group'),
          [topic],
          handleBatch,
        );
        await transport.publisher.publish([message(topic, 'saga-1', 1, 'm1')]);
        await waitFor('the first message', () => seen.length === 1);

        consumer.pause();
        await transport.publisher.publish([message(topic, 'saga-1', 2, 'm2')]);
        await settled();
        await settled();
        expect(valuesOf(seen)).toEqual([1]);

        consumer.resume();
        await waitFor('the message published while paused', () => seen.length === 2);
        expect(valuesOf(seen)).toEqual([1, 2]);
      },
      testTimeoutMs,
    );

    it(
      'reports its backlog: the messages not yet handled, the batch in hand included, 0 once all are',
      async () => {
        const topic = await newTopic(2);
        const keys = ['saga-a', 'saga-b', 'saga-c'];
        await transport.publisher.publish(
          Array.from({ length: 10 }, (_, n) => message(topic, keys[n % 3]!, n, `m${n}`)),
        );
        let release = (): void => undefined;
        const held = new Promise<void>((resolve) => (release = resolve));
        const handed: number[] = [];
        const reports: number[] = [];
        const owned = new Set<number>();
        await startConsumer(
          uniqueName('group'),
          [topic],
          async (messages) => {
            handed.push(messages.length);
            await held;
            return NO_DEAD_LETTERS;
          },
          ({ messages, partitions }) => {
            owned.add(partitions);
            reports.push(messages);
          },
        );

        await waitFor('a first batch in hand', () => handed.length === 1);
        const inHand = reports.at(-1) ?? 0;
        expect(inHand).toBeGreaterThanOrEqual(handed[0]!);
        expect(inHand).toBeLessThanOrEqual(10);

        release();
        const total = () => handed.reduce((sum, n) => sum + n, 0);
        await waitFor('every message handled', () => total() === 10 && reports.at(-1) === 0);
        expect([...owned]).toEqual([2]); // the one member owns both partitions
      },
      testTimeoutMs,
    );

    it(
      'creates missing topics once and leaves existing ones alone (ensureTopics is idempotent), and tells which are missing',
      async () => {
        const topic = uniqueName('contract');
        const spec = [{ topic, partitions: 2 }];
        expect(await transport.administrator.missingTopics([topic])).toEqual([topic]);
        expect(await transport.administrator.ensureTopics(spec)).toEqual({
          created: [topic],
          existing: [],
          underPartitioned: [],
        });
        expect(await transport.administrator.ensureTopics(spec)).toEqual({
          created: [],
          existing: [topic],
          underPartitioned: [],
        });
        expect(await transport.administrator.ensureTopics([{ topic, partitions: 5 }])).toEqual({
          created: [],
          existing: [topic],
          underPartitioned: [{ topic, expectedPartitions: 5, actualPartitions: 2 }],
        });
        const absent = uniqueName('absent');
        expect(await transport.administrator.missingTopics([absent, topic])).toEqual([absent]);
      },
      testTimeoutMs,
    );

    it(
      'refuses to publish to a topic that does not exist',
      async () => {
        const missing = uniqueName('missing');
        await expect(
          transport.publisher.publish([message(missing, 'saga-1', 1, 'm1')]),
        ).rejects.toThrow();
      },
      testTimeoutMs,
    );
  });
}
