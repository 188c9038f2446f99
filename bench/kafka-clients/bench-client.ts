import type { BenchMessage, DecodedMessage } from './bench-messages.js';

/** Connection settings shared by both clients; copied from our transport's defaults. */
export interface ClientSettings {
  readonly brokers: readonly string[];
  readonly clientId: string;
}

/** Our transport's defaults (libs/messaging/src/kafka-transport-options.ts), for both clients. */
export const TRANSPORT_DEFAULTS = {
  connectionTimeoutMs: 3_000,
  requestTimeoutMs: 30_000,
  ackTimeoutMs: 30_000,
  retries: 5,
  initialRetryTimeMs: 300,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 1_000,
  minBytes: 1,
  maxBytesPerPartition: 1_048_576,
  /** kafkajs's default fetch size (our transport leaves it); set on platformatic (50 MiB default). */
  maxBytes: 10_485_760,
  /** Messages per handled batch, each followed by its commit. */
  maxBatchSize: 100,
} as const;

/** An idempotent producer (acks = all), connected and ready. */
export interface BenchProducer {
  /** Sends one batch to `topic` and resolves once every in-sync replica has it. */
  send(topic: string, batch: readonly BenchMessage[]): Promise<void>;
  close(): Promise<void>;
}

/** What a consume run is told to do. */
export interface ConsumeRun {
  readonly topic: string;
  readonly groupId: string;
  /** Resolve once this many messages are handled and committed. */
  readonly expected: number;
  /** Called when the group is joined, before the first fetch (may be called again on a rejoin). */
  onJoined(): void;
  /**
   * Handles one batch (≤ maxBatchSize messages of the topic, decoded to text); the offsets of a
   * batch are committed after it returns, before the next batch is handed over.
   */
  handleBatch(batch: readonly DecodedMessage[]): void;
}

/** The few things the bench needs of a Kafka client library. */
export interface BenchClient {
  /** Creates the topics (replication factor 1) and resolves once every partition has a leader. */
  createTopics(topics: readonly string[], partitions: number): Promise<void>;
  /** Deletes the topics, then the consumer groups. */
  deleteTopicsAndGroups(topics: readonly string[], groups: readonly string[]): Promise<void>;
  openProducer(): Promise<BenchProducer>;
  /** Joins the group, reads the topic from the start, and resolves when `expected` are committed. */
  consume(run: ConsumeRun): Promise<void>;
}
