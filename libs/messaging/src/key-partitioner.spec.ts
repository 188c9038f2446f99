import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import { Partitioners, type PartitionerArgs, type PartitionMetadata } from 'kafkajs';
import { JAVA_MURMUR2 } from './java-murmur2.fixture.js';
import { keyPartitioner, murmur2 } from './key-partitioner.js';

const metadata = (count: number, leaderless: readonly number[] = []): PartitionMetadata[] =>
  Array.from({ length: count }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: leaderless.includes(partitionId) ? -1 : 0,
    replicas: [0],
    isr: [0],
  }));

const args = (
  message: PartitionerArgs['message'],
  partitionMetadata = metadata(8),
): PartitionerArgs => ({ topic: 'saga.commands.echo', partitionMetadata, message });

/** Text of `length` UTF-16 units drawn from ASCII, accented letters, CJK and emoji. */
function text(length: number): string {
  const alphabet = ['a', 'Z', '7', '-', 'é', 'ß', '漢', '字', '😀'];
  let out = '';
  while (out.length < length) out += alphabet[randomInt(alphabet.length)];
  return out;
}

describe('keyPartitioner', () => {
  it("puts every key on the partition kafkajs's DefaultPartitioner (Java's) puts it on", () => {
    const ours = keyPartitioner();
    const kafkajs = Partitioners.DefaultPartitioner();
    const keys: (string | Buffer)[] = [
      '',
      'a',
      'ab',
      'abc',
      'abcd',
      ...Array.from({ length: 500 }, () => randomUUID()),
      ...Array.from({ length: 300 }, (_, i) => text(i % 120)),
      ...Array.from({ length: 200 }, (_, i) => randomBytes(i % 40)),
      // Unpaired surrogates: where two UTF-8 encoders could differ.
      '\ud800',
      'a\udc00b',
      `${'x'.repeat(84)}\ud83d`,
      // Around the length past which a key is encoded whole (85 UTF-16 units fit the buffer).
      'k'.repeat(85),
      'k'.repeat(86),
      '😀'.repeat(42) + 'é',
      '😀'.repeat(43),
    ];
    for (const partitions of [1, 3, 8, 12, 64]) {
      for (const key of keys) {
        const asked = args({ key, value: null }, metadata(partitions));
        expect([key, partitions, ours(asked)]).toEqual([key, partitions, kafkajs(asked)]);
      }
    }
  });

  it('hashes a key of another type as kafkajs does: the UTF-8 of its text', () => {
    const ours = keyPartitioner();
    const kafkajs = Partitioners.DefaultPartitioner();
    for (const key of [42, new Uint8Array([1, 2, 3]), true]) {
      const asked = args({ key: key as never, value: null });
      expect(ours(asked)).toBe(kafkajs(asked));
    }
  });

  it("gives Java's murmur2 of known inputs", () => {
    for (const [input, hash] of JAVA_MURMUR2) {
      expect([input, murmur2(Buffer.from(input))]).toEqual([input, hash]);
    }
  });

  it('keeps a partition the message names', () => {
    expect(keyPartitioner()(args({ key: 'saga-1', value: null, partition: 5 }))).toBe(5);
  });

  it('takes the available partitions in turn for messages without a key', () => {
    const partitioner = keyPartitioner();
    const chosen = Array.from({ length: 12 }, () =>
      partitioner(args({ value: 'no key' }, metadata(4, [1]))),
    );
    expect(new Set(chosen)).toEqual(new Set([0, 2, 3]));
    for (let i = 3; i < chosen.length; i++) expect(chosen[i]).toBe(chosen[i - 3]);
  });

  it('takes every partition in turn when none has a leader', () => {
    const partitioner = keyPartitioner();
    const chosen = Array.from({ length: 6 }, () =>
      partitioner(args({ value: 'no key' }, metadata(3, [0, 1, 2]))),
    );
    expect(new Set(chosen)).toEqual(new Set([0, 1, 2]));
    for (let i = 3; i < chosen.length; i++) expect(chosen[i]).toBe(chosen[i - 3]);
  });
});
