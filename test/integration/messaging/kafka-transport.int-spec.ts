// The transport contract on the kafkajs adapter against the real broker (KAFKA_BROKERS).
// Timeouts are shortened so joins, rebalances and retries take well under a second each.
import { AssignerProtocol, Kafka, logLevel } from 'kafkajs';
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
      const consumer = transport.createConsumer({ onPoll: () => (polls += 1) });
      return {
        consumer,
        // Two fetches started after this call: the second begins only once the first one's
        // batches were handled, and the first began after everything published so far.
        async settled() {
          const target = polls + 2;
          await waitFor('two more polls', () => polls >= target);
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
