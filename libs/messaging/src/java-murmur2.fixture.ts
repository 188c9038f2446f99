/**
 * Java's murmur2 (`org.apache.kafka.common.utils.Utils.murmur2`) of some keys, as Kafka's own
 * tests (`UtilsTest.testMurmur2`) list them: a Java client puts a key on the partition
 * `(hash & 0x7fffffff) % partitions`.
 */
export const JAVA_MURMUR2: readonly (readonly [key: string, hash: number])[] = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];
