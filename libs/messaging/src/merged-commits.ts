import type { EachBatchPayload, TopicOffsets } from 'kafkajs';

/** Commits `offset` (the next one to read) for a partition of `payload`'s consumer. */
export type CommitOffset = (
  payload: EachBatchPayload,
  topic: string,
  partition: number,
  offset: string,
) => Promise<void>;

/** A consumer's merged offset commits (see mergedCommits), and the retry of a failed one. */
export interface MergedCommits extends CommitOffset {
  /**
   * Commits again, in a request of its own, what a failed request left uncommitted, unless no
   * request failed since the last one succeeded, or one is under way (it then carries them).
   * For a consumer's turns that hand nothing in: call it on each heartbeat.
   */
  commitOwed(): void;
}

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
 * After a failed request, the next one also carries every offset kafkajs holds resolved and
 * not committed (`uncommittedOffsets`: the handled positions of the partitions the consumer
 * holds now), and `commitOwed` sends them alone. Why: a failure that is not a rebalance (a
 * timed-out request, a lost connection) makes kafkajs fetch on from the handled position
 * without rejoining, and with autoCommit off it never commits that position itself; a partition
 * that then stays idle would keep its committed offset behind for ever, and the group's lag
 * (`saga_consumer_lag`) read high. After a rejoin kafkajs holds only the new assignment's
 * offsets, so nothing of a partition lost meanwhile is committed. Until a request fails this
 * costs nothing: no extra request, no extra work per commit.
 *
 * Why merged: with partitions consumed at once, one request per partition's chunk made commits
 * two requests in three the coordinator sent the broker, and three in four for a participant
 * consuming its partitions at once, each an append to `__consumer_offsets` (docs/BENCHMARKS.md,
 * "Offset commits, merged"). With one partition at a time there is nothing to merge.
 */
export function mergedCommits(): MergedCommits {
  let pending: PendingCommit[] = [];
  let busy = false;
  /** A payload of the consumer whose last request failed: what it left is still owed. */
  let owedBy: EachBatchPayload | undefined;

  const send = async (): Promise<void> => {
    const group = pending;
    pending = [];
    const carried = owedBy;
    const via = group[0]?.payload ?? carried;
    try {
      const owed = carried?.uncommittedOffsets().topics ?? [];
      const topics = offsetsOf(group, owed);
      if (via && topics.length > 0) await via.commitOffsetsIfNecessary({ topics });
      owedBy = undefined;
      group.forEach((commit) => commit.resolve());
    } catch (error) {
      owedBy = via;
      group.forEach((commit) => commit.reject(error));
    }
    if (pending.length > 0) void send();
    else busy = false;
  };

  const schedule = (): void => {
    if (busy) return;
    busy = true;
    setImmediate(() => void send());
  };

  const commit: CommitOffset = (payload, topic, partition, offset) =>
    new Promise<void>((resolve, reject) => {
      pending.push({ payload, topic, partition, offset, resolve, reject });
      schedule();
    });

  return Object.assign(commit, {
    commitOwed(): void {
      if (owedBy !== undefined) schedule();
    },
  });
}

/** The request's topics: each partition at the highest offset handed in or owed for it. */
function offsetsOf(group: readonly PendingCommit[], owed: readonly TopicOffsets[]): TopicOffsets[] {
  const byTopic = new Map<string, Map<number, string>>();
  const add = (topic: string, partition: number, offset: string): void => {
    const partitions = byTopic.get(topic) ?? new Map<number, string>();
    byTopic.set(topic, partitions);
    const known = partitions.get(partition);
    if (known === undefined || BigInt(offset) > BigInt(known)) partitions.set(partition, offset);
  };
  for (const { topic, partition, offset } of group) add(topic, partition, offset);
  for (const { topic, partitions } of owed) {
    for (const { partition, offset } of partitions) add(topic, partition, offset);
  }
  return [...byTopic].map(([topic, partitions]) => ({
    topic,
    partitions: [...partitions].map(([partition, offset]) => ({ partition, offset })),
  }));
}
