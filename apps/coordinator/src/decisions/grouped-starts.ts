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
}

/**
 * Group commit for starts that come one at a time (`POST /sagas`): a start that finds a free
 * slot goes at once, alone; the starts that arrive while every slot is busy wait for the first
 * slot to free and then go together, in one write (a statement, or a transaction). No timer: an
 * idle service answers a start in one write's time, and a busy one shares each commit among
 * every start that waited for it. When a group's write fails for a reason that may be one
 * start's, each of its starts is tried again alone, so one bad start fails only itself.
 */
export class GroupedStarts<Start> {
  private waiting: WaitingStart<Start>[] = [];
  private running = 0;

  constructor(
    private readonly startMany: StartMany<Start>,
    private readonly options: GroupedStartsOptions<Start>,
  ) {}

  /** Resolves with the start's answer or its refusal, once its write has committed. */
  submit(start: Start, traceParent: TraceParent): Promise<StartSagaAnswer | Error> {
    return new Promise((resolve, reject) => {
      const weight = this.options.weigh(start);
      this.waiting.push({ start, traceParent, weight, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.groupSize());
      this.running++;
      void this.run(group).finally(() => {
        this.running--;
        this.next();
      });
    }
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
