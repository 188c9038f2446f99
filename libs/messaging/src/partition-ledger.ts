import type { ICustomPartitioner, RecordMetadata } from 'kafkajs';
import { keyPartitioner } from './key-partitioner.js';

/**
 * One topic's marks: per partition, the last batch that put a message on it (`placed`) and the
 * last whose result acknowledged it (`acknowledged`); the counts are the current batch's.
 * Float64Array: batch numbers stay exact far past 2^31.
 */
interface TopicMarks {
  batch: number;
  placedCount: number;
  acknowledgedCount: number;
  placed: Float64Array;
  acknowledged: Float64Array;
}

/**
 * Which partitions kafkajs put a batch's messages on, and whether its sendBatch result
 * acknowledged each of them. kafkajs 2.2.4 (its last release) may resolve a sendBatch with a
 * partition never written: a retry sends nothing to a broker that answered for its own
 * partitions in an earlier try, even when a partition that failed on another broker has moved
 * to it since (kafkajs issue #1303). Every try puts every message through the partitioner, so
 * the one given to kafkajs here (keyPartitioner) marks its choices, and a batch is complete when
 * each partition marked during it is in the result. Marks are written over in place: nothing is
 * allocated per message or per batch.
 *
 * A topic's marks are those of its one batch in flight: the caller sends a topic's batches one
 * after the other, opening each, whichever producer they go through.
 */
export class PartitionLedger {
  private readonly topics = new Map<string, TopicMarks>();
  private batches = 0;

  /** kafkajs's `createPartitioner`: keyPartitioner, each choice marked on its topic's batch. */
  readonly createPartitioner: ICustomPartitioner = () => {
    const partitioner = keyPartitioner();
    let topic: string | undefined;
    let marks: TopicMarks | undefined;
    return (args) => {
      const partition = partitioner(args);
      if (args.topic !== topic || marks === undefined) {
        topic = args.topic;
        marks = this.marksOf(topic);
      }
      if (partition >= marks.placed.length) grow(marks, partition, args.partitionMetadata.length);
      if (marks.placed[partition] !== marks.batch) {
        marks.placed[partition] = marks.batch;
        marks.placedCount++;
      }
      return partition;
    };
  };

  /** Starts a batch to `topics`: what earlier batches marked no longer counts. */
  open(topics: readonly string[]): void {
    const batch = ++this.batches;
    for (const topic of topics) {
      const marks = this.marksOf(topic);
      marks.batch = batch;
      marks.placedCount = 0;
      marks.acknowledgedCount = 0;
    }
  }

  /**
   * The topics of the batch opened with `topics` that have a partition marked but missing from
   * `acknowledged` (sendBatch's result); undefined when there are none.
   */
  unacknowledged(
    topics: readonly string[],
    acknowledged: readonly RecordMetadata[],
  ): string[] | undefined {
    for (const { topicName, partition, errorCode } of acknowledged) {
      const marks = this.topics.get(topicName);
      if (marks === undefined || errorCode !== 0 || marks.placed[partition] !== marks.batch) {
        continue;
      }
      if (marks.acknowledged[partition] !== marks.batch) {
        marks.acknowledged[partition] = marks.batch;
        marks.acknowledgedCount++;
      }
    }
    let missing: string[] | undefined;
    for (const topic of topics) {
      const marks = this.marksOf(topic);
      if (marks.acknowledgedCount < marks.placedCount) (missing ??= []).push(topic);
    }
    return missing;
  }

  private marksOf(topic: string): TopicMarks {
    let marks = this.topics.get(topic);
    if (marks === undefined) {
      marks = { batch: 0, placedCount: 0, acknowledgedCount: 0, placed: none, acknowledged: none };
      this.topics.set(topic, marks);
    }
    return marks;
  }
}

const none = new Float64Array(0);

/** Room for `partition` and the topic's `partitions`, what was marked kept. */
function grow(marks: TopicMarks, partition: number, partitions: number): void {
  const size = Math.max(partition + 1, partitions);
  const placed = new Float64Array(size);
  const acknowledged = new Float64Array(size);
  placed.set(marks.placed);
  acknowledged.set(marks.acknowledged);
  marks.placed = placed;
  marks.acknowledged = acknowledged;
}
