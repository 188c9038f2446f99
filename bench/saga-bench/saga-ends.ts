import { logLevel, type Consumer, type Kafka } from 'kafkajs';
import { kafkaClient } from '#messaging';
import { topicNames } from '#contracts';
import type { SagaEnd } from './bench-system.js';

/** The Kafka client of the bench's load (its starts and its reading of ends). */
export function loadClient(brokers: readonly string[]): Kafka {
  return kafkaClient({ brokers: [...brokers], clientId: 'bench-load', logLevel: logLevel.ERROR });
}

/**
 * Reads `saga.events` of a Kafka-native system (the coordinator, the floor) from the moment it
 * has joined its group, and tells its listener of each saga's end, by the idempotency key its
 * end event names.
 */
export class SagaEndsWatcher {
  private consumer: Consumer | undefined;
  private listener: (key: string, end: SagaEnd) => void = () => undefined;

  constructor(
    private readonly kafka: Kafka,
    private readonly topicPrefix: string,
    private readonly groupId: string,
  ) {}

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.listener = listener;
  }

  /** Resolves once the consumer has joined its group. */
  async connect(): Promise<void> {
    const consumer = this.kafka.consumer({ groupId: this.groupId, maxWaitTimeInMs: 50 });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({
      topics: [topicNames(this.topicPrefix).events],
      fromBeginning: false,
    });
    let joined!: () => void;
    const join = new Promise<void>((resolve) => (joined = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => joined());
    await consumer.run({
      partitionsConsumedConcurrently: 8,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) {
          const end = endOf(message.value?.toString());
          if (end) this.listener(end.key, end.end);
        }
      },
    });
    await join;
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

function endOf(value: string | undefined): { key: string; end: SagaEnd } | undefined {
  if (!value) return undefined;
  const event = JSON.parse(value) as { type: string; idempotencyKey?: string };
  if (event.idempotencyKey === undefined) return undefined;
  if (event.type === 'saga.completed') return { key: event.idempotencyKey, end: 'completed' };
  if (event.type === 'saga.compensated') return { key: event.idempotencyKey, end: 'compensated' };
  return undefined;
}
