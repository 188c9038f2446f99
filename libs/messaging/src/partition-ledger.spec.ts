import type { PartitionerArgs, RecordMetadata } from 'kafkajs';
import { PartitionLedger } from './partition-ledger.js';

const partitionMetadata = [0, 1, 2].map((partitionId) => ({ partitionId, leader: 1 }));
const ack = (topicName: string, partition: number, errorCode = 0): RecordMetadata => ({
  topicName,
  partition,
  errorCode,
});

/** Puts messages with explicit partitions through the ledger's partitioner, as kafkajs does. */
function place(ledger: PartitionLedger, topic: string, partitions: number[]): void {
  const partitioner = ledger.createPartitioner();
  for (const partition of partitions) {
    partitioner({
      topic,
      partitionMetadata,
      message: { value: 'v', partition },
    } as PartitionerArgs);
  }
}

describe('the partition ledger', () => {
  it('finds a batch complete when each partition a message went to is acknowledged', () => {
    const ledger = new PartitionLedger();
    ledger.open(['a', 'b']);
    place(ledger, 'a', [0, 2, 0]);
    place(ledger, 'b', [1]);
    expect(ledger.unacknowledged(['a', 'b'], [ack('b', 1), ack('a', 2), ack('a', 0)])).toBe(
      undefined,
    );
  });

  it('names the topics with a partition missing, counting each acknowledgement once', () => {
    const ledger = new PartitionLedger();
    ledger.open(['a', 'b']);
    place(ledger, 'a', [0, 1]);
    place(ledger, 'b', [1]);
    // Partition 1 twice (two brokers' answers over two tries), 0 never; b's answer an error.
    const answer = [ack('a', 1), ack('a', 1), ack('b', 1, 6)];
    expect(ledger.unacknowledged(['a', 'b'], answer)).toEqual(['a', 'b']);
  });

  it('counts only what the current batch of a topic marked', () => {
    const ledger = new PartitionLedger();
    ledger.open(['a']);
    place(ledger, 'a', [0, 1]);
    expect(ledger.unacknowledged(['a'], [ack('a', 0), ack('a', 1)])).toBe(undefined);
    ledger.open(['a']);
    place(ledger, 'a', [1]);
    // Partition 0's mark is the earlier batch's: an answer for 0 alone leaves 1 missing.
    expect(ledger.unacknowledged(['a'], [ack('a', 0)])).toEqual(['a']);
    // A partition past the metadata's count (metadata refreshed after a partition was added).
    ledger.open(['a']);
    place(ledger, 'a', [5]);
    expect(ledger.unacknowledged(['a'], [ack('a', 5)])).toBe(undefined);
  });
});
