import type { BenchEnvironment } from './bench-system.js';
import { forkReady, type BenchChild } from './child-process.js';
import { BENCH_DIR, KafkaSagaSystem } from './kafka-saga-system.js';

/** Options of the floor; see floor-process.ts. */
export interface FloorSystemOptions {
  /** Batches (transactions) in flight at once (default 3). */
  readonly maxInFlight?: number;
  /** Most messages in one batch (default 2 000). */
  readonly maxBatch?: number;
}

/**
 * The floor: the least any system must do for the bench saga (the coordinator's Kafka messages
 * and Postgres writes, batched across partitions, no framework) in its own process.
 */
export class FloorSystem extends KafkaSagaSystem {
  constructor(private readonly options: FloorSystemOptions = {}) {
    super('floor');
  }

  protected startEngine(
    environment: BenchEnvironment,
    kafkaEnv: Record<string, string>,
  ): Promise<BenchChild> {
    // The floor creates its schema, tables and topics before it says ready.
    return forkReady(`${BENCH_DIR}floor-process.js`, {
      ...kafkaEnv,
      DATABASE_URL: environment.databaseUrl,
      DATABASE_SCHEMA: `bench_floor_${environment.runId}`,
      ...(this.options.maxInFlight === undefined
        ? {}
        : { FLOOR_MAX_IN_FLIGHT: String(this.options.maxInFlight) }),
      ...(this.options.maxBatch === undefined
        ? {}
        : { FLOOR_MAX_BATCH: String(this.options.maxBatch) }),
    });
  }
}
