/** An item due at a virtual time; among items due at the same time, the first queued comes first. */
interface Queued<T> {
  readonly at: number;
  readonly seq: number;
  readonly item: T;
}

/** A priority queue of future happenings for a discrete-event simulation, ordered by time then insertion. */
export class EventQueue<T> {
  private readonly heap: Queued<T>[] = [];
  private seq = 0;

  /** The number of queued items. */
  get size(): number {
    return this.heap.length;
  }

  /** Queues `item` to happen at `at`. */
  push(at: number, item: T): void {
    this.heap.push({ at, seq: this.seq++, item });
    let i = this.heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** Removes and returns the earliest item, or undefined when empty. */
  pop(): { at: number; item: T } | undefined {
    const top = this.heap[0];
    const last = this.heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      let i = 0;
      for (;;) {
        const left = 2 * i + 1;
        const right = left + 1;
        let next = i;
        if (left < this.heap.length && this.before(left, next)) next = left;
        if (right < this.heap.length && this.before(right, next)) next = right;
        if (next === i) break;
        this.swap(i, next);
        i = next;
      }
    }
    return { at: top.at, item: top.item };
  }

  private before(a: number, b: number): boolean {
    const x = this.heap[a] as Queued<T>;
    const y = this.heap[b] as Queued<T>;
    return x.at < y.at || (x.at === y.at && x.seq < y.seq);
  }

  private swap(a: number, b: number): void {
    const x = this.heap[a] as Queued<T>;
    this.heap[a] = this.heap[b] as Queued<T>;
    this.heap[b] = x;
  }
}
