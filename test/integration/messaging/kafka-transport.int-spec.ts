// The transport contract on the kafkajs adapter against the real broker (KAFKA_BROKERS).
// Timeouts are shortened so joins, rebalances and retries take well under a second each.
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '#contracts';
import { KafkaTransport, type TransportLogger } from '#messaging';
import { JAVA_MURMUR2 } from '../../../libs/messaging/src/java-murmur2.fixture.js';
import { kafkaBrokers, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { describeTransportContract, type TransportUnderTest } from './transport.contract.js';

/** Keeps warnings and errors, so a failing test can show them. */
const logged: string[] = [];
const logger: TransportLogger = {
  log(level, message, fields) {
    if (level === 'warn' || level === 'error')
      logged.push(`${level} ${message} ${JSON.stringify(fields)}`);
  },
};

async function createKafkaTransport(): Promise<TransportUnderTest> {
  const brokers = kafkaBrokers();
  const transport = new KafkaTransport(
    {
      brokers,
      clientId: uniqueName('contract'),
      retry: { retries: 3, initialRetryTimeMs: 100, maxRetryTimeMs: 1_000 },
      producer: { retry: { retries: 2, initialRetryTimeMs: 100, maxRetryTimeMs: 500 } },
      consumer: {
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
        rebalanceTimeoutMs: 6_000,
        maxWaitTimeMs: 100,
        handlerRetry: { initialDelayMs: 50, maxDelayMs: 400 },
      },
    },
    { logger },
  );
  const probe = new Kafka({ brokers, clientId: 'contract-probe', logLevel: logLevel.WARN }).admin();
  await probe.connect();

  return {
    publisher: transport.publisher,
    administrator: transport.administrator,
    createConsumer() {
      let polls = 0;
      let last: 'poll' | 'hold' = 'poll';
      const consumer = transport.createConsumer({
        onPoll: () => {
          polls += 1;
          last = 'poll';
        },
        onHold: () => (last = 'hold'),
      });
      return {
        consumer,
        // Two fetches started after this call: the second begins only once the first one's
        // batches were handled, and the first began after everything published so far. Or,
        // paused, a batch held since the last fetch began: no fetch starts until it is handed
        // over after a resume (so call it while paused, or once a fetch followed the resume).
        async settled() {
          const target = polls + 2;
          await waitFor('two more polls, or a batch held while paused', () => {
            return polls >= target || last === 'hold';
          });
        },
      };
    },
    async committedCount(groupId, topic) {
      const [offsets] = await probe.fetchOffsets({ groupId, topics: [topic] });
      return (offsets?.partitions ?? []).reduce(
        (sum, { offset }) => sum + Math.max(0, Number(offset)),
        0,
      );
    },
    async groupSettled(groupId, members) {
      await waitFor(`${members} members sharing the partitions of ${groupId}`, async () => {
        const { groups } = await probe.describeGroups([groupId]);
        const group = groups[0];
        if (group?.state !== 'Stable' || group.members.length !== members) return false;
        return group.members.every((member) => {
          const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
          return Object.values(decoded?.assignment ?? {}).some((list) => list.length > 0);
        });
      });
    },
    async close() {
      await transport.close();
      await probe.disconnect();
    },
  };
}

afterAll(() => {
  if (logged.length > 0) console.warn(`Transport warnings and errors:\n${logged.join('\n')}`);
});

describeTransportContract('kafkajs on a real broker', createKafkaTransport, {
  testTimeoutMs: 30_000,
});

describe('the kafkajs publisher and the partition of a key', () => {
  it('puts each key on the partition a Java client puts it on', async () => {
    const partitions = 6;
    const transport = await createKafkaTransport();
    const probe = new Kafka({ brokers: kafkaBrokers(), logLevel: logLevel.WARN }).admin();
    await probe.connect();
    const topic = uniqueName('keyed');
    try {
      await transport.administrator.ensureTopics([{ topic, partitions }]);
      const ends = async () =>
        new Map((await probe.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
      for (const [key, hash] of JAVA_MURMUR2) {
        const before = await ends();
        await transport.publisher.publish([{ topic, key, headers: {}, value: key }]);
        const after = await ends();
        const grown = [...after].filter(([p, high]) => high > (before.get(p) ?? 0));
        expect([key, grown.map(([p]) => p)]).toEqual([key, [(hash & 0x7fffffff) % partitions]]);
      }
    } finally {
      await probe.disconnect();
      await transport.close();
    }
  });
});

describe('the kafkajs consumer, paused', () => {
  it('sees a resume at once, however long its idle fetch waits at the broker', async () => {
    // Ten seconds of idle wait, against three for the message after the resume: with kafkajs's
    // own pause the consumer would sleep those ten seconds between fetches, and see the resume
    // only after them. (A stop waits for the fetch under way: closing takes up to ten seconds.)
    const transport = new KafkaTransport({
      brokers: kafkaBrokers(),
      clientId: uniqueName('paused'),
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, maxWaitTimeMs: 10_000 },
    });
    const topic = uniqueName('paused');
    const seen: (string | null)[] = [];
    let holds = 0;
    try {
      await transport.administrator.ensureTopics([
        { topic, partitions: 1 },
        { topic: `${topic}.dlq`, partitions: 1 },
      ]);
      const consumer = transport.createConsumer({ onHold: () => (holds += 1) });
      await consumer.start({
        groupId: uniqueName('group'),
        topics: [topic],
        handleBatch: async (messages) => {
          seen.push(...messages.map((message) => message.value));
          return { deadLetters: [] };
        },
      });
      const send = (value: string) =>
        transport.publisher.publish([{ topic, key: 'saga-1', headers: {}, value }]);
      await send('first');
      await waitFor('the first message', () => seen.length === 1);

      consumer.pause();
      await send('while paused');
      await waitFor('the message fetched and held', () => holds === 1);
      expect(seen).toEqual(['first']);

      consumer.resume();
      await waitFor('the held message, handed over at the resume', () => seen.length === 2, {
        timeoutMs: 3_000,
      });
      expect(seen).toEqual(['first', 'while paused']);
    } finally {
      await transport.close();
    }
  }, 40_000);
});

describe('the kafkajs consumer when it loses its partition in the middle of a batch', () => {
  it('cannot commit the batch for the partition it lost: the new owner keeps the position', async () => {
    const transport = await createKafkaTransport();
    const topic = uniqueName('evicted');
    const groupId = uniqueName('group');
    await transport.administrator.ensureTopics([
      { topic, partitions: 1 },
      { topic: `${topic}.dlq`, partitions: 1 },
    ]);
    const send = (values: number[]) =>
      transport.publisher.publish(
        values.map((n) => ({ topic, key: 'saga-1', headers: {}, value: String(n) })),
      );
    try {
      await send([0, 1, 2]);
      // A takes the batch and hangs on it past its session timeout, so the broker evicts it.
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => (release = resolve));
      const seenByA: (string | null)[][] = [];
      const a = transport.createConsumer();
      await a.consumer.start({
        groupId,
        topics: [topic],
        handleBatch: async (messages) => {
          seenByA.push(messages.map((m) => m.value));
          if (seenByA.length === 1) await released;
          return { deadLetters: [] };
        },
      });
      await waitFor('A to hold the batch', () => seenByA.length === 1);

      const seenByB: (string | null)[] = [];
      const b = transport.createConsumer();
      await b.consumer.start({
        groupId,
        topics: [topic],
        handleBatch: async (messages) => {
          seenByB.push(...messages.map((m) => m.value));
          return { deadLetters: [] };
        },
      });
      await waitFor('B to take over and commit', async () => {
        return (await transport.committedCount(groupId, topic)) === 3;
      });
      await send([3, 4]);
      await waitFor('B to commit the later messages', async () => {
        return (await transport.committedCount(groupId, topic)) === 5;
      });

      // A finishes its stale batch: its commit of offset 3 must be refused.
      release();
      await waitFor('A to rejoin the group', async () => {
        await Promise.all([a.settled(), b.settled()]);
        return true;
      });
      expect(await transport.committedCount(groupId, topic)).toBe(5);
      expect(seenByA).toEqual([['0', '1', '2']]);
      expect(seenByB).toEqual(['0', '1', '2', '3', '4']);
    } finally {
      await transport.close();
    }
  }, 45_000);
});

describe('the kafkajs consumer, when its dead-letter topic refuses dead letters as too large', () => {
  it('sends them in halves, a record still too large stripped, and goes on', async () => {
    const brokers = kafkaBrokers();
    const transport = new KafkaTransport({
      brokers,
      clientId: uniqueName('dlq-size'),
      consumer: {
        sessionTimeoutMs: 6_000,
        heartbeatIntervalMs: 500,
        maxWaitTimeMs: 100,
        handlerRetry: { initialDelayMs: 50, maxDelayMs: 400 },
      },
    });
    const admin = new Kafka({ brokers, clientId: 'dlq-size', logLevel: logLevel.WARN }).admin();
    const reader = new Kafka({ brokers, clientId: 'dlq-reader', logLevel: logLevel.WARN }).consumer(
      {
        groupId: uniqueName('dlq-reader'),
        maxWaitTimeInMs: 100,
      },
    );
    const topic = uniqueName('dlq-size');
    const groupId = uniqueName('group');
    const dead: { offset: string; value: string | null; truncated: string | undefined }[] = [];
    await admin.connect();
    try {
      // The dead letters of one chunk go in one batch: over 4 KiB, the broker refuses it whole.
      await admin.createTopics({
        waitForLeaders: true,
        topics: [
          { topic, numPartitions: 1 },
          {
            topic: `${topic}.dlq`,
            numPartitions: 1,
            configEntries: [{ name: 'max.message.bytes', value: '4096' }],
          },
        ],
      });
      await reader.connect();
      await reader.subscribe({ topics: [`${topic}.dlq`], fromBeginning: true });
      await reader.run({
        eachMessage: async ({ message }) => {
          dead.push({
            offset: String(message.headers?.[DEAD_LETTER_HEADERS.originalOffset]),
            value: message.value === null ? null : message.value.toString(),
            truncated: message.headers?.[DEAD_LETTER_HEADERS.valueTruncated]?.toString(),
          });
        },
      });
      const values = [
        ...Array.from({ length: 8 }, (_, n) => `${n}`.repeat(900)),
        'z'.repeat(5_000),
      ];
      await transport.publisher.publish(
        values.map((value) => ({ topic, key: 'saga-1', headers: {}, value })),
      );
      const consumer = transport.createConsumer();
      await consumer.start({
        groupId,
        topics: [topic],
        handleBatch: async (messages) => ({
          deadLetters: messages.map((message) => ({ message, reason: 'not a reply' })),
        }),
      });

      await waitFor(
        () => `nine dead letters (${dead.length} so far)`,
        () => dead.length >= 9,
      );
      expect(dead.map((letter) => letter.offset)).toEqual([
        '0',
        '1',
        '2',
        '3',
        '4',
        '5',
        '6',
        '7',
        '8',
      ]);
      expect(dead.slice(0, 8).map((letter) => letter.value)).toEqual(values.slice(0, 8));
      expect(dead.slice(0, 8).every((letter) => letter.truncated === undefined)).toBe(true);
      expect(dead[8]).toEqual({ offset: '8', value: null, truncated: 'true' });
      await waitFor('the offset committed past all nine', async () => {
        const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
        return offsets?.partitions[0]?.offset === '9';
      });
    } finally {
      await reader.disconnect();
      await transport.close();
      await admin.disconnect();
    }
  }, 60_000);
});
