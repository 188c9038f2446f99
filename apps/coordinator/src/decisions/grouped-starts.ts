import type { StartSagaAnswer } from '../application/saga-operations.js';

/** Headers holding a W3C `traceparent` (and `tracestate`) for a saga's trace to continue. */
export type TraceParent = Readonly<Record<string, string>> | undefined;

/** Starts several sagas in one write; each start gets its answer or refusal in its place. */
export type StartMany<Start> = (
  starts: readonly Start[],
  traceParents: readonly TraceParent[],
) => Promise<(StartSagaAnswer | Error)[]>;

interface WaitingStart<Start> {
  readonly start: Start;
  /** When it was submitted, on the monotonic clock (performance.now). */
  readonly since: number;
  readonly traceParent: TraceParent;
  /** What it weighs in a group (see GroupedStartsOptions.maxGroupWeight). */
  readonly weight: number;
  readonly resolve: (answer: StartSagaAnswer | Error) => void;
  readonly reject: (error: unknown) => void;
}

/** How GroupedStarts shares writes. */
export interface GroupedStartsOptions<Start> {
  /** Transactions of starts running at once. */
  readonly concurrency: number;
  /** The most starts one write takes. */
  readonly maxGroup: number;
  /** The most weight (e.g. bytes of input) one write takes; a heavier start goes alone. */
  readonly maxGroupWeight: number;
  /** What a start weighs. */
  readonly weigh: (start: Start) => number;
  /**
   * Whether a failed group's starts should each be tried again alone: true for an error that
   * may be one start's (say, a stored input that cannot be opened any more), false for one that
   * fails them all the same (the database is unavailable).
   */
  readonly isolate: (error: unknown) => boolean;
  /**
   * While writes are held (see hold), a start waiting this long since it was submitted is
   * answered with `late()` and dropped, never written.
   */
  readonly maxHeldWaitMs: number;
  readonly late: (waitedMs: number) => Error;
}

/**
 * Group commit for starts that come one at a time (`POST /sagas`): a start that finds a free
 * slot goes at once, alone; the starts that arrive while every slot is busy wait for the first
 * slot to free and then go together, in one write (a statement, or a transaction). No timer: an
 * idle service answers a start in one write's time, and a busy one shares each commit among
 * every start that waited for it. When a group's write fails for a reason that may be one
 * start's, each of its starts is tried again alone, so one bad start fails only itself.
 *
 * Writes can be held (see hold): the starts then wait, for a bounded time, and go in groups as
 * before once released; whether writes are held is asked again before each group, so a release
 * lets one group per slot through before it can be held again, not every start that waited.
 */
export class GroupedStarts<Start> {
  private waiting: WaitingStart<Start>[] = [];
  private running = 0;
  /** Starts in the writes under way. */
  private writing = 0;
  private waitingWeightSum = 0;
  private held = false;
  /** Set while held and starts wait: refuses those that waited too long. */
  private lateTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly startMany: StartMany<Start>,
    private readonly options: GroupedStartsOptions<Start>,
  ) {}

  /**
   * Starts submitted and not yet answered: waiting, or in a write under way (the caller's count
   * of sagas started may not have them yet).
   */
  get pendingCount(): number {
    return this.waiting.length + this.writing;
  }

  /** What the starts not yet taken into a write weigh together. */
  get waitingWeight(): number {
    return this.waitingWeightSum;
  }

  /**
   * Resolves with the start's answer or its refusal, once its write has committed (or, while
   * writes are held, once it has waited `maxHeldWaitMs`: then with `late()`).
   */
  submit(start: Start, traceParent: TraceParent): Promise<StartSagaAnswer | Error> {
    return new Promise((resolve, reject) => {
      const weight = this.options.weigh(start);
      this.waiting.push({ start, traceParent, since: performance.now(), weight, resolve, reject });
      this.waitingWeightSum += weight;
      this.next();
      this.refuseLate();
    });
  }

  /** While held, no write begins: the writes under way finish, the starts wait. */
  hold(held: boolean): void {
    this.held = held;
    if (held) {
      this.refuseLate();
      return;
    }
    clearTimeout(this.lateTimer);
    this.lateTimer = undefined;
    this.next();
  }

  /** While held, answers the starts that waited maxHeldWaitMs, then waits for the next one. */
  private refuseLate(): void {
    if (!this.held || this.lateTimer !== undefined) return;
    const now = performance.now();
    const { maxHeldWaitMs, late } = this.options;
    let count = 0;
    while (count < this.waiting.length && now - this.waiting[count]!.since >= maxHeldWaitMs)
      count++;
    for (const waiting of this.take(count)) waiting.resolve(late(now - waiting.since));
    const oldest = this.waiting[0];
    if (oldest === undefined) return;
    this.lateTimer = setTimeout(
      () => {
        this.lateTimer = undefined;
        this.refuseLate();
      },
      oldest.since + maxHeldWaitMs - now,
    );
    // A start waiting must not keep a stopping process alive.
    this.lateTimer.unref();
  }

  private next(): void {
    while (!this.held && this.running < this.options.concurrency && this.waiting.length > 0) {
      const group = this.take(this.groupSize());
      this.running++;
      this.writing += group.length;
      void this.run(group).finally(() => {
        this.running--;
        this.writing -= group.length;
        this.next();
      });
    }
  }

  /** Takes the `count` oldest starts off the queue. */
  private take(count: number): WaitingStart<Start>[] {
    const taken = this.waiting.splice(0, count);
    for (const waiting of taken) this.waitingWeightSum -= waiting.weight;
    return taken;
  }

  /** How many of the waiting starts the next group takes: at least one. */
  private groupSize(): number {
    const { maxGroup, maxGroupWeight } = this.options;
    let size = 0;
    let weight = 0;
    for (const waiting of this.waiting) {
      if (size === maxGroup || (size > 0 && weight + waiting.weight > maxGroupWeight)) break;
      weight += waiting.weight;
      size++;
    }
    return size;
  }

  private async run(group: readonly WaitingStart<Start>[]): Promise<void> {
    try {
      const answers = await this.startMany(
        group.map((waiting) => waiting.start),
        group.map((waiting) => waiting.traceParent),
      );
      group.forEach((waiting, index) => waiting.resolve(answers[index]!));
    } catch (error) {
      if (group.length === 1 || !this.options.isolate(error)) {
        for (const waiting of group) waiting.reject(error);
        return;
      }
      // One at a time, in the slot this group holds: the start at fault fails alone.
      for (const waiting of group) await this.run([waiting]);
    }
  }
}
