/**
 * What `npm run bench` records: the JSON file it writes is a `BenchRun`, and the tables of
 * docs/BENCHMARKS.md are rendered from it. Per saga = divided by the sagas that ended in the step.
 */

import type { StageMeans } from './stage-times.js';

/** One rate of the ladder for one system. */
export interface RateResult {
  /** Offered rate: sagas started per second. */
  readonly rate: number;
  readonly started: number;
  readonly completed: number;
  readonly compensated: number;
  /** Sagas that ended with the wrong outcome. */
  readonly wrongOutcome: number;
  /** Sagas ended ÷ seconds from the first scheduled start to the last end. */
  readonly sagasPerSecond: number;
  /** End-to-end, from each saga's scheduled start. */
  readonly latencyMs: {
    readonly p50: number;
    readonly p95: number;
    readonly p99: number;
    readonly max: number;
  };
  /**
   * From each start's call to its answer, for a system whose starts are answered (`POST /sagas`):
   * quantiles of the accepted ones, and how many were refused.
   */
  readonly startLatencyMs?: {
    readonly p50: number;
    readonly p99: number;
    readonly max: number;
    readonly refused: number;
  };
  /** Median over sagas of latency ÷ participant round trips (see timed-system.ts). */
  readonly perStepMs: number;
  /** Where the time goes inside the coordinator, means over the step (see stage-times.ts). */
  readonly stagesMs?: StageMeans;
  readonly cpuMsPerSaga: SystemCpu & {
    /** The bench's own process (load generator, counters), not in `total`. */
    readonly harness: number;
    /** Every process of the Postgres server, other clients' backends included. */
    readonly postgresServer: number | null;
  };
  readonly dbTransactionsPerSaga: number;
  readonly kafkaMessagesPerSaga: number;
  /**
   * WAL the Postgres server wrote during the load and drain, KiB (every writer of the server;
   * full-page images after a checkpoint included). Absent in runs before it was measured.
   */
  readonly walKbPerSaga?: number;
  /** Rows written in the run's databases (lagging like the transactions). */
  readonly rowsPerSaga?: {
    readonly inserted: number;
    readonly updated: number;
    /** Updates that touched no index. */
    readonly hotUpdated: number;
    readonly deleted: number;
  };
  /** Peak during the step, MB: RSS per process; Postgres as the sum of PSS of its counted processes. */
  readonly peakMemoryMb: {
    readonly processes: Readonly<Record<string, number | null>>;
    readonly kafka: number | null;
    readonly postgresPss: number | null;
    readonly harness: number | null;
  };
  readonly sustained: boolean;
  /** Why the rate was not sustained (empty when it was). */
  readonly shortfalls: readonly string[];
}

/** A system's CPU, by part (null: that service is not on this machine). */
export interface SystemCpu {
  /** Per process of the system, by role. */
  readonly processes: Readonly<Record<string, number>>;
  readonly kafka: number | null;
  /** The run's backends and the server's background processes. */
  readonly postgres: number | null;
  /** The system's processes, Kafka and Postgres. */
  readonly total: number;
}

/** What a system costs with no saga to run, after its warm-up, before its ladder. */
export interface IdleResult {
  readonly seconds: number;
  /** CPU seconds per second (1 = a whole core), counted as for a rate's CPU. */
  readonly cores: SystemCpu;
}

/** One system's ladder; `error` when it could not be run to the end. */
export interface SystemResult {
  readonly name: string;
  readonly rates: readonly RateResult[];
  /** Absent when not measured (IDLE_SECONDS=0, or a run before it was). */
  readonly idle?: IdleResult;
  readonly error?: string;
}

/** The machine and the services, as the report prints them. */
export interface MachineInfo {
  readonly cpu: string;
  readonly cores: number;
  readonly memoryGb: number;
  readonly os: string;
  readonly node: string;
  readonly kafka: string;
  readonly postgres: string;
  /** Postgres durability settings, e.g. fsync, synchronous_commit. */
  readonly postgresSettings: Readonly<Record<string, string>>;
  /** Kafka broker settings that bear on durability, e.g. log.flush.interval.messages. */
  readonly kafkaSettings: Readonly<Record<string, string>>;
  /** Where the Postgres data lives and what an fsync costs on this machine. */
  readonly disk: string;
}

/** How the ladder was run. */
export interface BenchSettings {
  readonly rates: readonly number[];
  readonly stepSeconds: number;
  readonly warmupSeconds: number;
  readonly drainSeconds: number;
  readonly settleSeconds: number;
  /** Quiet before the ladder (after the warm-up), measured as the system's idle cost (0: none; absent in older runs). */
  readonly idleSeconds?: number;
  /** A rate is sustained only when its p99 is under this bound. */
  readonly maxP99Ms: number;
  /** ... and its completed sagas/s reach this share of the offered rate. */
  readonly minThroughputShare: number;
}

export interface BenchRun {
  /** ISO time the run started. */
  readonly startedAt: string;
  /** The command that reproduces the run. */
  readonly command: string;
  readonly settings: BenchSettings;
  readonly machine: MachineInfo;
  readonly systems: readonly SystemResult[];
}
