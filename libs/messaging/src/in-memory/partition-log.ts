/** A record as stored in an in-memory partition. */
export interface StoredRecord {
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: string | null;
  /** Position in its partition, from 0. */
  readonly offset: number;
  /** When it was appended (ms since the epoch): its timestamp. */
  readonly appendedAtMs: number;
}

/**
 * One partition's log: offsets from 0, for ever growing, over the records still kept (from
 * `startOffset` to `endOffset`). Records are let go from the front only (`dropBefore`).
 *
 * Letting go is O(1) amortised, not an array shift per record: the dropped front is first only
 * skipped (`head`), and cut off in one copy once it is at least as long as what is kept, so each
 * record is copied at most once on average and the memory held is at most twice what is kept.
 */
export class PartitionLog {
  private kept: StoredRecord[] = [];
  /** The offset of `kept[0]`. */
  private base = 0;
  /** The index in `kept` of the first record not dropped. */
  private head = 0;

  /** The offset of the first record kept (`endOffset` when none is). */
  get startOffset(): number {
    return this.base + this.head;
  }

  /** The offset the next record will get. */
  get endOffset(): number {
    return this.base + this.kept.length;
  }

  /** How many records sit in memory, those dropped but not yet cut off included. */
  get inMemory(): number {
    return this.kept.length;
  }

  /** Appends a record at `endOffset`. */
  append(record: Omit<StoredRecord, 'offset'>): void {
    this.kept.push({ ...record, offset: this.endOffset });
  }

  /** Up to `max` records from `offset` on; from `startOffset` when `offset` was dropped. */
  read(offset: number, max: number): StoredRecord[] {
    const from = Math.max(offset, this.startOffset) - this.base;
    return this.kept.slice(from, from + max);
  }

  /** The records kept, in order. */
  records(): StoredRecord[] {
    return this.kept.slice(this.head);
  }

  /** Lets go of the records before `offset` (none past `endOffset`). */
  dropBefore(offset: number): void {
    const to = Math.min(offset, this.endOffset);
    if (to <= this.startOffset) return;
    this.head = to - this.base;
    if (this.head < this.kept.length - this.head) return;
    this.kept = this.kept.slice(this.head);
    this.base = to;
    this.head = 0;
  }
}
