/** The next offset to commit for one partition (the one after the last message handled). */
export interface PartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/** Options of the {@link GroupCommitPipeline}. */
export interface GroupCommitOptions<T> {
  /** Batches processed at the same time, each in its own transaction (default 3). */
  readonly maxInFlight?: number;
  /** Most items in one batch (default 2 000); a larger delivery is split across batches. */
  readonly maxBatch?: number;
  /** Items waiting for a batch beyond which `whenRoom` holds its callers (default 20 000). */
  readonly maxWaiting?: number;
  /**
   * Least time between two offset commits, in ms (default 0): commits of batches done meanwhile
   * are merged into one request. A crash replays at most that much more (deduplicated anyway).
   */
  readonly commitIntervalMs?: number;
  /** Processes one batch (its transaction, then its publish); a rejection stops the pipeline. */
  process(items: T[]): Promise<void>;
  /** Commits consumer offsets; called one call at a time, offsets in order. */
  commitOffsets(offsets: PartitionOffset[]): Promise<void>;
  /** Told when a commit of offsets failed (the messages will come again: they are deduplicated). */
  onCommitError?(error: unknown): void;
}

interface Unit<T> {
  readonly items: readonly T[];
  /** Absent on the first pieces of a split delivery: only its last piece commits its offset. */
  readonly offset: PartitionOffset | undefined;
}

interface Flight<T> {
  readonly units: readonly Unit<T>[];
  done: boolean;
}

/**
 * Application-level group commit across partitions: what every partition delivered while the
 * previous batches were busy goes into the next batch, up to `maxInFlight` batches at a time (so
 * their transactions overlap and Postgres flushes their commits together). Offsets are
 * committed only once every batch up to theirs has been processed, in the order they came.
 */
export class GroupCommitPipeline<T> {
  private readonly maxInFlight: number;
  private readonly maxBatch: number;
  private readonly maxWaiting: number;
  private waiting: Unit<T>[] = [];
  private waitingItems = 0;
  private readonly flights: Flight<T>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private failure: unknown;
  private roomWaiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  private idleWaiters: (() => void)[] = [];
  private toCommit = new Map<string, PartitionOffset>();
  private committing: Promise<void> | undefined;
  private lastCommit = 0;

  constructor(private readonly options: GroupCommitOptions<T>) {
    this.maxInFlight = options.maxInFlight ?? 3;
    this.maxBatch = options.maxBatch ?? 2_000;
    this.maxWaiting = options.maxWaiting ?? 20_000;
  }

  /** Queues what one partition delivered; `offset` is committed once these items are processed. */
  add(items: readonly T[], offset: PartitionOffset): void {
    if (this.failure !== undefined) throw this.failure;
    this.waiting.push({ items, offset });
    this.waitingItems += items.length;
    if (this.scheduled) return;
    // Batches of one fetch arrive in the same turn of the event loop: they go in one batch.
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Resolves once fewer than `maxWaiting` items wait; rejects once the pipeline has failed. */
  whenRoom(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (this.waitingItems < this.maxWaiting) return Promise.resolve();
    return new Promise((resolve, reject) => this.roomWaiters.push({ resolve, reject }));
  }

  /** Resolves once everything added is processed and its offsets committed. */
  async drain(): Promise<void> {
    while (this.waiting.length > 0 || this.inFlight > 0 || this.committing !== undefined) {
      if (this.failure !== undefined) throw this.failure;
      await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    }
    if (this.failure !== undefined) throw this.failure;
  }

  private pump(): void {
    while (
      this.failure === undefined &&
      this.inFlight < this.maxInFlight &&
      this.waiting.length > 0
    ) {
      const units: Unit<T>[] = [];
      let size = 0;
      while (this.waiting.length > 0 && size < this.maxBatch) {
        const next = this.waiting[0]!;
        const room = this.maxBatch - size;
        if (next.items.length <= room) {
          units.push(next);
          this.waiting.shift();
          size += next.items.length;
        } else {
          units.push({ items: next.items.slice(0, room), offset: undefined });
          this.waiting[0] = { items: next.items.slice(room), offset: next.offset };
          size += room;
        }
      }
      this.waitingItems -= size;
      this.fly(units);
    }
    this.wakeRoomWaiters();
  }

  private fly(units: Unit<T>[]): void {
    const flight: Flight<T> = { units, done: false };
    this.flights.push(flight);
    this.inFlight++;
    const items = units.length === 1 ? [...units[0]!.items] : units.flatMap((unit) => unit.items);
    this.options.process(items).then(
      () => {
        flight.done = true;
        this.inFlight--;
        this.collectOffsets();
        this.pump();
        this.wakeIdleWaiters();
      },
      (error: unknown) => {
        this.inFlight--;
        this.fail(error);
      },
    );
  }

  /** Moves the offsets of the batches done, oldest first, to the next commit. */
  private collectOffsets(): void {
    while (this.flights.length > 0 && this.flights[0]!.done) {
      for (const { offset } of this.flights.shift()!.units) {
        if (offset) this.toCommit.set(`${offset.topic}|${offset.partition}`, offset);
      }
    }
    if (this.toCommit.size > 0 && this.committing === undefined) {
      this.committing = this.commitLoop();
    }
  }

  private async commitLoop(): Promise<void> {
    const interval = this.options.commitIntervalMs ?? 0;
    while (this.toCommit.size > 0) {
      const wait = this.lastCommit + interval - performance.now();
      if (wait > 0 && this.failure === undefined) {
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
      this.lastCommit = performance.now();
      const offsets = [...this.toCommit.values()];
      this.toCommit = new Map();
      try {
        await this.options.commitOffsets(offsets);
      } catch (error) {
        this.options.onCommitError?.(error);
      }
    }
    this.committing = undefined;
    this.wakeIdleWaiters();
  }

  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = error;
    for (const waiter of this.roomWaiters.splice(0)) waiter.reject(error);
    this.wakeIdleWaiters();
  }

  private wakeRoomWaiters(): void {
    if (this.waitingItems >= this.maxWaiting) return;
    for (const waiter of this.roomWaiters.splice(0)) waiter.resolve();
  }

  private wakeIdleWaiters(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
