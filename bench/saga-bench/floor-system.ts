import { topicNames } from '#contracts';
import type { BenchEnvironment, BenchProcess, BenchSystem, SagaEnd } from './bench-system.js';
import { ECHO_PARTICIPANT } from './bench-saga.js';
import { forkReady, type BenchChild } from './child-process.js';
import { BENCH_PARTITIONS } from './coordinator-system.js';
import { KafkaFrontDoor } from './kafka-front-door.js';

const here = new URL('.', import.meta.url).pathname;

/** Options of the floor; see floor-process.ts. */
export interface FloorSystemOptions {
  /** Batches (transactions) in flight at once (default 3). */
  readonly maxInFlight?: number;
  /** Most messages in one batch (default 2 000). */
  readonly maxBatch?: number;
}

/**
 * The floor: the least any system must do for the bench saga (the coordinator's Kafka messages
 * and Postgres writes, batched across partitions, no framework) in its own process, beside the
 * same echo participant; starts published on `saga.start`, ends read from `saga.events`.
 */
export class FloorSystem implements BenchSystem {
  readonly name = 'floor';
  private floor: BenchChild | undefined;
  private echo: BenchChild | undefined;
  private door: KafkaFrontDoor | undefined;
  private prefix = '';
  private listener: (key: string, end: SagaEnd) => void = () => undefined;

  constructor(private readonly options: FloorSystemOptions = {}) {}

  async setup(environment: BenchEnvironment): Promise<void> {
    this.prefix = `bench.${environment.runId}.floor.`;
    const common = {
      KAFKA_BROKERS: environment.kafkaBrokers.join(','),
      TOPIC_PREFIX: this.prefix,
      TOPIC_PARTITIONS: String(BENCH_PARTITIONS),
    };
    // The floor creates its schema, tables and topics before it says ready.
    this.floor = await forkReady(`${here}floor-process.js`, {
      ...common,
      DATABASE_URL: environment.databaseUrl,
      DATABASE_SCHEMA: `bench_floor_${environment.runId}`,
      ...(this.options.maxInFlight === undefined
        ? {}
        : { FLOOR_MAX_IN_FLIGHT: String(this.options.maxInFlight) }),
      ...(this.options.maxBatch === undefined
        ? {}
        : { FLOOR_MAX_BATCH: String(this.options.maxBatch) }),
    });
    this.echo = await forkReady(`${here}echo-participant.js`, common);
    this.door = new KafkaFrontDoor(
      environment.kafkaBrokers,
      this.prefix,
      `bench.${environment.runId}.floor.load`,
    );
    this.door.onEnd((key, end) => this.listener(key, end));
    await this.door.connect();
  }

  start(key: string, fail: boolean): void {
    this.door!.start(key, fail);
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.listener = listener;
  }

  processes(): readonly BenchProcess[] {
    return [
      { role: 'floor', pid: this.floor!.pid },
      { role: 'echo participant', pid: this.echo!.pid },
    ];
  }

  topics(): readonly string[] {
    const topics = topicNames(this.prefix);
    return [topics.start, topics.replies, topics.events, topics.commands(ECHO_PARTICIPANT)];
  }

  async teardown(): Promise<void> {
    await this.door?.close();
    await this.echo?.stop();
    await this.floor?.stop();
  }
}
