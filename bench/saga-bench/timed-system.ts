import { performance } from 'node:perf_hooks';
import type { StageTotals } from './stage-times.js';
import type {
  BenchEnvironment,
  BenchProcess,
  BenchSystem,
  SagaEnd,
  StartLatencies,
} from './bench-system.js';
import { quantile } from './load-generator.js';

/** Participant round trips of a bench saga: its three steps, plus two compensations when the third refuses. */
export const ROUND_TRIPS: Readonly<Record<SagaEnd, number>> = { completed: 3, compensated: 5 };

/** One saga that ended: ms from the moment it was handed to the system to its end. */
export interface TimedSaga {
  readonly ms: number;
  readonly end: SagaEnd;
}

/**
 * A bench system seen through a stopwatch: it passes every call through and times each saga
 * from its `start` call to its end, so the harness can tell the latency per step of any system.
 */
export class TimedSystem implements BenchSystem {
  private readonly startedAt = new Map<string, number>();
  private ended: TimedSaga[] = [];
  private listener: (key: string, end: SagaEnd) => void = () => undefined;

  constructor(private readonly inner: BenchSystem) {
    inner.onEnd((key, end) => this.saw(key, end));
  }

  get name(): string {
    return this.inner.name;
  }

  setup(environment: BenchEnvironment): Promise<void> {
    return this.inner.setup(environment);
  }

  start(key: string, fail: boolean): void {
    this.startedAt.set(key, performance.now());
    this.inner.start(key, fail);
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.listener = listener;
  }

  takeStartLatencies(): StartLatencies | undefined {
    return this.inner.takeStartLatencies?.();
  }

  async stageTotals(): Promise<StageTotals | undefined> {
    return this.inner.stageTotals?.();
  }

  processes(): readonly BenchProcess[] {
    return this.inner.processes();
  }

  topics(): readonly string[] {
    return this.inner.topics();
  }

  teardown(): Promise<void> {
    return this.inner.teardown();
  }

  /** The sagas that ended since the last call; forgets them and any saga still running. */
  takeEnded(): TimedSaga[] {
    const ended = this.ended;
    this.ended = [];
    this.startedAt.clear();
    return ended;
  }

  private saw(key: string, end: SagaEnd): void {
    const at = this.startedAt.get(key);
    if (at !== undefined) {
      this.startedAt.delete(key);
      this.ended.push({ ms: performance.now() - at, end });
    }
    this.listener(key, end);
  }
}

/**
 * Latency per step: the median over sagas of each saga's latency divided by its participant
 * round trips (3 when it completed, 5 when it was compensated). The echo participant answers
 * at once, so this is what the system (with Kafka and Postgres) adds to each step.
 */
export function perStepMs(sagas: readonly TimedSaga[]): number {
  const perStep = sagas.map((saga) => saga.ms / ROUND_TRIPS[saga.end]).sort((a, b) => a - b);
  return quantile(perStep, 0.5);
}
