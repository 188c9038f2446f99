import type { StartSagaAnswer, StartSagaRequest } from '../application/saga-operations.js';

/** Headers holding a W3C `traceparent` (and `tracestate`) for a saga's trace to continue. */
export type TraceParent = Readonly<Record<string, string>> | undefined;

/** Starts several sagas in one transaction; each request gets its answer or refusal in its place. */
export type StartMany = (
  requests: readonly StartSagaRequest[],
  traceParents: readonly TraceParent[],
) => Promise<(StartSagaAnswer | Error)[]>;

interface WaitingStart {
  readonly request: StartSagaRequest;
  readonly traceParent: TraceParent;
  readonly resolve: (answer: StartSagaAnswer | Error) => void;
  readonly reject: (error: unknown) => void;
}

/** How GroupedStarts shares transactions. */
export interface GroupedStartsOptions {
  /** Transactions of starts running at once. */
  readonly concurrency: number;
  /** The most starts one transaction takes. */
  readonly maxGroup: number;
}

/**
 * Group commit for starts that come one at a time (`POST /sagas`): a start that finds a free
 * transaction slot goes at once, alone; the starts that arrive while every slot is busy wait
 * for the first slot to free and then go together, in one transaction. No timer: an idle
 * service answers a start in one transaction's time, and a busy one shares each commit among
 * every start that waited for it. A transaction that fails fails each start it carried.
 */
export class GroupedStarts {
  private waiting: WaitingStart[] = [];
  private running = 0;

  constructor(
    private readonly startMany: StartMany,
    private readonly options: GroupedStartsOptions,
  ) {}

  /** Resolves with the start's answer or its refusal, once its transaction has committed. */
  submit(request: StartSagaRequest, traceParent: TraceParent): Promise<StartSagaAnswer | Error> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, traceParent, resolve, reject });
      this.next();
    });
  }

  private next(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const group = this.waiting.splice(0, this.options.maxGroup);
      this.running++;
      void this.run(group).finally(() => {
        this.running--;
        this.next();
      });
    }
  }

  private async run(group: readonly WaitingStart[]): Promise<void> {
    try {
      const answers = await this.startMany(
        group.map((start) => start.request),
        group.map((start) => start.traceParent),
      );
      group.forEach((start, index) => start.resolve(answers[index]!));
    } catch (error) {
      for (const start of group) start.reject(error);
    }
  }
}
