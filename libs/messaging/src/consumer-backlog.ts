import type { ConsumerBacklogReport } from '#saga-core';

/**
 * A consumer's backlog: per partition, the messages from the first one not yet finished (handed
 * over and not yet handled, or not handed over yet) to the end of the log as its latest fetch
 * saw it. So it trails the log by up to a fetch: messages written since are not counted.
 * Tells `report` the total, and the partitions it owns, each time either changes.
 */
export class ConsumerBacklog {
  private readonly partitions = new Map<string, { end: number; finished: number }>();
  private last: ConsumerBacklogReport = { messages: 0, partitions: 0 };
  /** `topic/partition` of the current assignment: a batch of a partition lost meanwhile is ignored. */
  private owned = new Set<string>();

  constructor(private readonly report: ((backlog: ConsumerBacklogReport) => void) | undefined) {}

  /** A new assignment (topic to partitions): what was known of the old one is forgotten. */
  assigned(assignment: Readonly<Record<string, readonly number[]>>): void {
    this.partitions.clear();
    this.owned = new Set(
      Object.entries(assignment).flatMap(([topic, partitions]) =>
        partitions.map((partition) => `${topic}/${partition}`),
      ),
    );
    this.recount();
  }

  /** A fetch of `topic`/`partition` whose log ends before `end`, handing over from `first` on. */
  fetched(topic: string, partition: number, end: number, first: number): void {
    const key = `${topic}/${partition}`;
    if (!this.owned.has(key)) return;
    const known = this.partitions.get(key);
    if (known) {
      known.end = Math.max(known.end, end);
      // Messages before `first` that were never handed over (skipped by the client) are done.
      known.finished = Math.max(known.finished, first);
    } else this.partitions.set(key, { end, finished: first });
    this.recount();
  }

  /** Every message of `topic`/`partition` before `next` is handled. */
  finished(topic: string, partition: number, next: number): void {
    const known = this.partitions.get(`${topic}/${partition}`);
    if (!known) return;
    known.finished = Math.max(known.finished, next);
    this.recount();
  }

  private recount(): void {
    let messages = 0;
    for (const { end, finished } of this.partitions.values()) {
      messages += Math.max(0, end - finished);
    }
    if (messages === this.last.messages && this.owned.size === this.last.partitions) return;
    this.last = { messages, partitions: this.owned.size };
    this.report?.(this.last);
  }
}
