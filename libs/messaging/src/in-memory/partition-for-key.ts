const encoder = new TextEncoder();

/** 32-bit FNV-1a of the key's UTF-8 bytes: a stable, well-spread hash with no dependency. */
export function hashKey(key: string): number {
  let hash = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

/** The partition of `key` among `partitions` (≥ 1): the same key always lands in the same one. */
export function partitionForKey(key: string, partitions: number): number {
  return hashKey(key) % partitions;
}
