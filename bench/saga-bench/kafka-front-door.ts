import { Kafka, logLevel, Partitioners, type Consumer, type Producer } from 'kafkajs';
import { HEADERS, MESSAGE_TYPES, SCHEMA_VERSION, topicNames } from '#contracts';
import type { SagaEnd } from './bench-system.js';
import { BENCH_SAGA } from './bench-saga.js';

/**
 * How the bench talks to a Kafka-native system (the coordinator, the floor): it publishes
 * start requests on `saga.start` (acks = all, every request pending at a flush in one batch)
 * and learns of each saga's end from `saga.events` (the end event names the idempotency key).
 */
export class KafkaFrontDoor {
  private readonly kafka: Kafka;
  private producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private pending: { key: string; value: string }[] = [];
  private flushing: Promise<void> | undefined;
  private listener: (key: string, end: SagaEnd) => void = () => undefined;
  private failure: unknown;

  constructor(
    brokers: readonly string[],
    private readonly topicPrefix: string,
    private readonly groupId: string,
  ) {
    this.kafka = new Kafka({
      brokers: [...brokers],
      clientId: 'bench-load',
      logLevel: logLevel.ERROR,
    });
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.listener = listener;
  }

  async connect(): Promise<void> {
    const topics = topicNames(this.topicPrefix);
    this.producer = this.kafka.producer({
      idempotent: true,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await this.producer.connect();
    this.consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 50 });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [topics.events], fromBeginning: false });
    let joined!: () => void;
    const join = new Promise<void>((resolve) => (joined = resolve));
    this.consumer.on(this.consumer.events.GROUP_JOIN, () => joined());
    await this.consumer.run({
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.seen(message.value?.toString());
      },
    });
    await join;
  }

  start(key: string, fail: boolean): void {
    if (this.failure) throw this.failure;
    const body = { sagaType: BENCH_SAGA, idempotencyKey: key, input: { key, fail } };
    this.pending.push({ key, value: JSON.stringify(body) });
    this.flushing ??= this.flush();
  }

  async close(): Promise<void> {
    await this.flushing;
    await this.consumer?.disconnect();
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

  private seen(value: string | undefined): void {
    if (!value) return;
    const event = JSON.parse(value) as { type: string; idempotencyKey?: string };
    if (event.type !== 'saga.completed' && event.type !== 'saga.compensated') return;
    if (event.idempotencyKey === undefined) return;
    this.listener(
      event.idempotencyKey,
      event.type === 'saga.completed' ? 'completed' : 'compensated',
    );
  }
}
