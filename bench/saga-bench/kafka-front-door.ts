import type { Kafka, Producer } from 'kafkajs';
import { HEADERS, MESSAGE_TYPES, SCHEMA_VERSION, topicNames } from '#contracts';
import { keyPartitioner } from '#messaging';
import type { SagaEnd, StartLatencies } from './bench-system.js';
import { BENCH_SAGA } from './bench-saga.js';
import { loadClient, SagaEndsWatcher } from './saga-ends.js';

/** How the bench starts sagas on a Kafka-native system and hears of their ends. */
export interface FrontDoor {
  onEnd(listener: (key: string, end: SagaEnd) => void): void;
  connect(): Promise<void>;
  /** Asks for one saga and returns at once. */
  start(key: string, fail: boolean): void;
  /** Ms each start took to be accepted since the last call, when the door can tell. */
  takeStartLatencies?(): StartLatencies;
  close(): Promise<void>;
}

/**
 * How the bench talks to a Kafka-native system (the coordinator, the floor): it publishes
 * start requests on `saga.start` (acks = all, every request pending at a flush in one batch)
 * and learns of each saga's end from `saga.events` (the end event names the idempotency key).
 */
export class KafkaFrontDoor implements FrontDoor {
  private readonly kafka: Kafka;
  private readonly ends: SagaEndsWatcher;
  private producer: Producer | undefined;
  private pending: { key: string; value: string }[] = [];
  private flushing: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    brokers: readonly string[],
    private readonly topicPrefix: string,
    groupId: string,
  ) {
    this.kafka = loadClient(brokers);
    this.ends = new SagaEndsWatcher(this.kafka, topicPrefix, groupId);
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.ends.onEnd(listener);
  }

  async connect(): Promise<void> {
    this.producer = this.kafka.producer({
      idempotent: true,
      createPartitioner: keyPartitioner,
    });
    await this.producer.connect();
    await this.ends.connect();
  }

  start(key: string, fail: boolean): void {
    if (this.failure) throw this.failure;
    const body = { sagaType: BENCH_SAGA, idempotencyKey: key, input: { key, fail } };
    this.pending.push({ key, value: JSON.stringify(body) });
    this.flushing ??= this.flush();
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.ends.close();
    await this.producer?.disconnect();
  }

  private async flush(): Promise<void> {
    // One more turn of the event loop: starts scheduled together go in one request.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.pending.length > 0) {
      const batch = this.pending;
      this.pending = [];
      try {
        await this.producer!.send({
          topic: topicNames(this.topicPrefix).start,
          acks: -1,
          messages: batch.map(({ key, value }) => ({
            key,
            value,
            headers: {
              [HEADERS.messageType]: MESSAGE_TYPES.start,
              [HEADERS.contentType]: 'application/json',
              [HEADERS.schemaVersion]: String(SCHEMA_VERSION),
            },
          })),
        });
      } catch (error) {
        this.failure = error;
      }
    }
    this.flushing = undefined;
  }
}
