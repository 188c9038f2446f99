/**
 * A consumer's backlog: per partition, the messages from the first one not yet finished (handed
 * over and not yet handled, or not handed over yet) to the end of the log as its latest fetch
 * saw it. So it trails the log by up to a fetch: messages written since are not counted.
 * Tells `report` the total each time it changes.
 */
export class ConsumerBacklog {
  private readonly partitions = new Map<string, { end: number; finished: number }>();
  private total = 0;

  constructor(private readonly report: ((messages: number) => void) | undefined) {}

  /** A fetch of `topic`/`partition` whose log ends before `end` and starts at `first`. */
  fetched(topic: string, partition: number, end: number, first: number | undefined): void {
    const key = `${topic}/${partition}`;
    const known = this.partitions.get(key);
    if (known) known.end = Math.max(known.end, end);
    else this.partitions.set(key, { end, finished: first ?? end });
    this.recount();
  }

  /** Every message of `topic`/`partition` before `next` is handled. */
  finished(topic: string, partition: number, next: number): void {
    const known = this.partitions.get(`${topic}/${partition}`);
    if (!known) return;
    known.finished = Math.max(known.finished, next);
    this.recount();
  }

  /** Forgets every partition (the assignment changed, or the consumer stopped). */
  clear(): void {
    this.partitions.clear();
    this.recount();
  }

  private recount(): void {
    let total = 0;
    for (const { end, finished } of this.partitions.values()) total += Math.max(0, end - finished);
    if (total === this.total) return;
    this.total = total;
    this.report?.(total);
  }
}
