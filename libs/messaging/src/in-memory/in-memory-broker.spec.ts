import { InMemoryBroker } from './in-memory-broker.js';
import { partitionForKey } from './partition-for-key.js';
import { InMemoryTransport } from './in-memory-transport.js';

const record = (key: string | null, value: string) => ({ key, headers: {}, value });

describe('the in-memory broker', () => {
  it('puts every message of a key in the same partition, in order, and spreads keys', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('t', 4);
    const keys = Array.from({ length: 40 }, (_, i) => `saga-${i}`);
    broker.append(
      't',
      keys.flatMap((key) => [record(key, `${key}:1`), record(key, `${key}:2`)]),
    );

    const partitions = broker.records('t');
    expect(partitions.every((log) => log.length > 0)).toBe(true);
    for (const key of keys) {
      const log = partitions[partitionForKey(key, 4)] ?? [];
      expect(log.filter((r) => r.key === key).map((r) => r.value)).toEqual([
        `${key}:1`,
        `${key}:2`,
      ]);
    }
    expect(partitionForKey('saga-1', 4)).toBe(partitionForKey('saga-1', 4));
  });

  it('refuses records for a topic that does not exist', () => {
    expect(() => new InMemoryBroker().append('nope', [record('k', 'v')])).toThrow(
      'unknown topic nope',
    );
  });

  it('shares partitions round-robin between members and gives them back when one leaves', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('t', 3);
    const one = broker.join('g', ['t'], () => undefined);
    expect(one.assigned().map((tp) => tp.partition)).toEqual([0, 1, 2]);
    const two = broker.join('g', ['t'], () => undefined);
    expect(one.assigned().map((tp) => tp.partition)).toEqual([0, 2]);
    expect(two.assigned().map((tp) => tp.partition)).toEqual([1]);
    two.leave();
    expect(one.assigned().map((tp) => tp.partition)).toEqual([0, 1, 2]);
  });

  it('tells members when their assignment changes', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('t', 2);
    let told = 0;
    broker.join('g', ['t'], () => (told += 1));
    broker.join('g', ['t'], () => undefined);
    expect(told).toBe(2); // its first assignment, then losing partition 1
  });

  it('refuses a commit for a partition the member lost', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('t', 2);
    const one = broker.join('g', ['t'], () => undefined);
    const two = broker.join('g', ['t'], () => undefined);
    expect(one.commit('t', 1, 5)).toBe(false);
    expect(two.commit('t', 1, 5)).toBe(true);
    two.leave();
    expect(two.commit('t', 1, 9)).toBe(false);
    expect(broker.committedOffsets('g', 't')).toEqual([0, 5]);
    expect(one.committed('t', 1)).toBe(5);
  });
});

describe('what the in-memory broker keeps', () => {
  const many = (count: number, from = 0) =>
    Array.from({ length: count }, (_, i) => record('k', `v${from + i}`));
  const offsets = (broker: InMemoryBroker, topic: string) =>
    broker.records(topic).map((log) => log.map((r) => r.offset));

  it('lets go of the records every group reading a partition has committed, and offsets go on', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('t', 1);
    const member = broker.join('g', ['t'], () => undefined);
    broker.append('t', many(1_000));
    expect(member.commit('t', 0, 1_000)).toBe(true);

    expect(offsets(broker, 't')).toEqual([[]]);
    expect(broker.recordsInMemory('t')).toBe(0);
    broker.append('t', many(1, 1_000));
    expect(offsets(broker, 't')).toEqual([[1_000]]);
    expect(broker.endOffset('t', 0)).toBe(1_001);
    expect(broker.read('t', 0, 0, 10).map((r) => r.value)).toEqual(['v1000']);
  });

  it('holds a record until the slowest group reading its topic has committed it', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('t', 1);
    const fast = broker.join('fast', ['t'], () => undefined);
    const slow = broker.join('slow', ['t'], () => undefined);
    broker.append('t', many(10));
    fast.commit('t', 0, 10);
    expect(offsets(broker, 't')).toEqual([[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]); // slow: none yet
    slow.commit('t', 0, 4);
    expect(offsets(broker, 't')).toEqual([[4, 5, 6, 7, 8, 9]]);
    expect(slow.committed('t', 0)).toBe(4);
  });

  it('starts a group that joins later at the first record kept, as `earliest` does', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('t', 1);
    const first = broker.join('first', ['t'], () => undefined);
    broker.append('t', many(6));
    first.commit('t', 0, 4);
    const late = broker.join('late', ['t'], () => undefined);
    expect(late.committed('t', 0)).toBe(4);
    expect(broker.read('t', 0, 0, 10).map((r) => r.offset)).toEqual([4, 5]);
    first.commit('t', 0, 6);
    expect(offsets(broker, 't')).toEqual([[4, 5]]); // the late group holds what it has not read
    late.commit('t', 0, 6);
    expect(offsets(broker, 't')).toEqual([[]]);
  });

  it('keeps the last 10,000 records of a topic no group reads, spread over its partitions', () => {
    const broker = new InMemoryBroker();
    broker.createTopic('events', 2);
    const keyOf = (partition: number) => {
      for (let i = 0; ; i += 1) if (partitionForKey(`k${i}`, 2) === partition) return `k${i}`;
    };
    for (const partition of [0, 1]) {
      const key = keyOf(partition);
      broker.append(
        'events',
        Array.from({ length: 6_000 }, (_, i) => record(key, `v${i}`)),
      );
    }
    const kept = broker.records('events');
    expect(kept.map((log) => log.length)).toEqual([5_000, 5_000]);
    expect(kept.map((log) => log[0]?.offset)).toEqual([1_000, 1_000]);
    expect(broker.endOffset('events', 1)).toBe(6_000);
    expect(broker.recordsInMemory('events')).toBeLessThanOrEqual(2 * 2 * 5_000);
  });

  it('keeps a tail of the size asked for, and a group joining later reads it', () => {
    const broker = new InMemoryBroker({ unreadRecordsKept: 3 });
    broker.createTopic('t', 1);
    broker.append('t', many(10));
    expect(offsets(broker, 't')).toEqual([[7, 8, 9]]);
    const member = broker.join('g', ['t'], () => undefined);
    broker.append('t', many(5, 10)); // read now: held until committed
    expect(broker.read('t', 0, member.committed('t', 0), 100).map((r) => r.offset)).toEqual([
      7, 8, 9, 10, 11, 12, 13, 14,
    ]);
    member.commit('t', 0, 15);
    expect(offsets(broker, 't')).toEqual([[]]);
  });

  it('keeps only a tail for a group that has left, and it resumes at its position if still kept', () => {
    const broker = new InMemoryBroker({ unreadRecordsKept: 3 });
    broker.createTopic('t', 1);
    const before = broker.join('g', ['t'], () => undefined);
    broker.append('t', many(4));
    before.commit('t', 0, 2);
    before.leave();
    expect(offsets(broker, 't')).toEqual([[2, 3]]);
    const back = broker.join('g', ['t'], () => undefined);
    expect(back.committed('t', 0)).toBe(2);
    back.leave();
    broker.append('t', many(4, 4));
    const again = broker.join('g', ['t'], () => undefined);
    expect(again.committed('t', 0)).toBe(5); // 2 to 4 were let go meanwhile
  });

  it('refuses a tail size that is not a whole number', () => {
    expect(() => new InMemoryBroker({ unreadRecordsKept: -1 })).toThrow(
      'unreadRecordsKept must be an integer ≥ 0',
    );
  });

  it('frees the records a consumer has handled', async () => {
    const transport = new InMemoryTransport();
    await transport.administrator.ensureTopics([{ topic: 't', partitions: 2 }]);
    const consumer = transport.createConsumer({ maxBatchSize: 7 });
    let handled = 0;
    await consumer.start({
      groupId: 'g',
      topics: ['t'],
      handleBatch: async (messages) => ((handled += messages.length), { deadLetters: [] }),
    });
    await transport.publisher.publish(
      Array.from({ length: 500 }, (_, i) => ({
        topic: 't',
        key: `saga-${i}`,
        headers: {},
        value: `${i}`,
      })),
    );
    await consumer.idle();
    expect(handled).toBe(500);
    expect(transport.broker.recordsInMemory('t')).toBe(0);
    await transport.close();
  });
});
