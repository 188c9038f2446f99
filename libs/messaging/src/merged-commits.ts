import type { EachBatchPayload } from 'kafkajs';

/** Commits `offset` (the next one to read) for a partition of `payload`'s consumer. */
export type CommitOffset = (
  payload: EachBatchPayload,
  topic: string,
  partition: number,
  offset: string,
) => Promise<void>;

interface PendingCommit {
  readonly payload: EachBatchPayload;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * Offset commits of one kafkajs consumer, merged: the offsets handed in during one turn of the
 * event loop go in one OffsetCommit request, and those handed in while it is under way go
 * together in the next. No timer: a lone commit goes at once. Every partition a consumer holds
 * shares its group membership (one generation), so one payload's commit may carry the others'.
 *
 * Each caller resolves once a request holding its offset succeeded, and rejects with that
 * request's error (kafkajs throws the first error of any partition in it; a rebalance refuses
 * them all alike); offsets handed in meanwhile go in the next request. A partition hands in its
 * next offset only after its last one resolved (the batch handler waits); should it not, the
 * request carries the higher.
 *
 * Why: with partitions consumed at once, one request per partition's chunk made commits two
 * requests in three the coordinator sent the broker, and three in four for a participant
 * consuming its partitions at once, each an append to `__consumer_offsets` (docs/BENCHMARKS.md,
 * "Offset commits, merged"). With one partition at a time there is nothing to merge.
 */
export function mergedCommits(): CommitOffset {
  let pending: PendingCommit[] = [];
  let busy = false;

  const send = (): void => {
    const group = pending;
    pending = [];
    group[0]!.payload
      .commitOffsetsIfNecessary({ topics: offsetsOf(group) })
      .then(
        () => group.forEach((commit) => commit.resolve()),
        (error: unknown) => group.forEach((commit) => commit.reject(error)),
      )
      .finally(() => {
        if (pending.length > 0) send();
        else busy = false;
      });
  };

  return (payload, topic, partition, offset) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ payload, topic, partition, offset, resolve, reject });
      if (busy) return;
      busy = true;
      setImmediate(send);
    });
}

/** The request's topics, each partition at the highest offset handed in for it. */
function offsetsOf(group: readonly PendingCommit[]) {
  const byTopic = new Map<string, Map<number, string>>();
  for (const { topic, partition, offset } of group) {
    const partitions = byTopic.get(topic) ?? new Map<number, string>();
    byTopic.set(topic, partitions);
    const known = partitions.get(partition);
    if (known === undefined || BigInt(offset) > BigInt(known)) partitions.set(partition, offset);
  }
  return [...byTopic].map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].map(([partition, offset]) => ({ partition, offset })),
  }));
}
