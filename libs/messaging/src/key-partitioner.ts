import { Partitioners, type ICustomPartitioner, type PartitionerArgs } from 'kafkajs';

const M = 0x5bd1e995;
const SEED = 0x9747b28c;

/**
 * Java's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`) of `data`, as a signed 32-bit
 * int: the hash Java clients, and kafkajs's DefaultPartitioner, put a record's key on a
 * partition with. `Math.imul` wraps as Java's `int` does, so nothing is allocated (kafkajs's copy
 * makes a 64-bit `Long` per operation: 7.9 % of what the coordinator allocated under load,
 * with the partitioner around it). `length` (at most `data.length`) hashes a prefix.
 */
export function murmur2(data: Uint8Array, length = data.length): number {
  const whole = length & ~3;
  let h = SEED ^ length;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // The last one to three bytes, as Java's switch that falls through takes them.
  const tail = length & 3;
  if (tail > 0) {
    if (tail === 3) h ^= data[whole + 2]! << 16;
    if (tail >= 2) h ^= data[whole + 1]! << 8;
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

const encoder = new TextEncoder();

/**
 * kafkajs's DefaultPartitioner (Java's: the same key on the same partition as any Java client),
 * without its allocations for a keyed message: murmur2 of the key's UTF-8 bytes (a string key
 * encoded into a buffer kept for the purpose when it fits; encodeInto's small result is all it
 * allocates) over all the topic's partitions. A message that names its partition goes there.
 * One without a key (rare here: a dead letter of a message that had none) goes where kafkajs's
 * own round robin first puts it, and stays there on every later try of the same message object:
 * kafkajs retries a batch by placing every message again and sending nothing to a broker that
 * already answered, so a message moved onto that broker's partition would never be written,
 * though the batch resolves (and PartitionLedger, which checks the partitions placed, would not
 * see it).
 */
export const keyPartitioner: ICustomPartitioner = () => {
  const roundRobin = Partitioners.DefaultPartitioner();
  const unkeyedPlaced = new WeakMap<object, number>();
  const unkeyed = (args: PartitionerArgs): number => {
    const placed = unkeyedPlaced.get(args.message);
    if (placed !== undefined && placed < args.partitionMetadata.length) return placed;
    const partition = roundRobin(args);
    unkeyedPlaced.set(args.message, partition);
    return partition;
  };
  const scratch = new Uint8Array(256);
  const hash = (key: unknown): number => {
    if (Buffer.isBuffer(key)) return murmur2(key);
    // As kafkajs: any other key is hashed as the UTF-8 of its text (an unpaired surrogate
    // becomes U+FFFD, as Buffer.from makes it). UTF-8 takes at most 3 bytes per UTF-16 unit: a
    // key that may not fit the scratch buffer is encoded whole. encodeInto, not Buffer#write:
    // 0.09-0.10 against 0.13-0.14 µs per uuid key, its small result object included.
    const text = String(key);
    if (text.length * 3 > scratch.length) return murmur2(encoder.encode(text));
    return murmur2(scratch, encoder.encodeInto(text, scratch).written);
  };
  return (args: PartitionerArgs): number => {
    const { partition, key } = args.message;
    if (partition !== null && partition !== undefined) return partition;
    if (key === null || key === undefined) return unkeyed(args);
    return (hash(key) & 0x7fffffff) % args.partitionMetadata.length;
  };
};
