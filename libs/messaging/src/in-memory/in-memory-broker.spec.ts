import { InMemoryBroker } from './in-memory-broker.js';
import { partitionForKey } from './partition-for-key.js';

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
