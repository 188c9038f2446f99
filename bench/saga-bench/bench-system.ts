/**
 * What `npm run bench` measures: a system that runs the bench saga (see bench-saga.ts). The
 * harness drives every system with the same open-loop load generator and measures each alone,
 * on the same Kafka broker and the same Postgres server.
 */
import type { StageTotals } from './stage-times.js';

export type SagaEnd = 'completed' | 'compensated';

/** Where the shared services are. */
export interface BenchEnvironment {
  readonly kafkaBrokers: readonly string[];
  /** A Postgres URL of the server the systems share; each system keeps to its own schema or database. */
  readonly databaseUrl: string;
  /** Unique per bench run: systems name their schemas, topics and groups after it. */
  readonly runId: string;
}

/** How long starts took to be accepted (sorted ms), and how many were refused. */
export interface StartLatencies {
  readonly acceptedMs: readonly number[];
  readonly refused: number;
}

/** A process whose CPU time and memory are counted for the system. */
export interface BenchProcess {
  /** What it is, e.g. `coordinator`, `echo participant`. */
  readonly role: string;
  readonly pid: number;
}

export interface BenchSystem {
  /** Short name in the report, e.g. `coordinator`, `floor`, `dbos`. */
  readonly name: string;
  /** Brings the system up on a clean slate (its own schema, topics and groups), ready for sagas. */
  setup(environment: BenchEnvironment): Promise<void>;
  /**
   * Asks for one saga and returns at once (the load is open-loop: never wait here for the
   * saga). `fail` makes its third step refuse, so its first two steps are compensated.
   * `key` names the saga in `onEnd`.
   */
  start(key: string, fail: boolean): void;
  /**
   * How long the starts since the last call took to be accepted (e.g. `POST /sagas` answered),
   * for a system whose starts are answered; undefined for a fire-and-forget front door.
   */
  takeStartLatencies?(): StartLatencies | undefined;
  /**
   * Cumulative timings of the system's stages (the coordinator's consumer metrics), for a
   * system that has them: read before and after each rate step.
   */
  stageTotals?(): Promise<StageTotals | undefined>;
  /** The listener told once per saga that ended; set before the first `start`. */
  onEnd(listener: (key: string, end: SagaEnd) => void): void;
  /** The system's own processes (the harness adds Kafka and Postgres). */
  processes(): readonly BenchProcess[];
  /** The Kafka topics the system writes (their message counts are summed per saga). */
  topics(): readonly string[];
  /** Stops every process and connection it started. */
  teardown(): Promise<void>;
}
