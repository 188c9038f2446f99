import type { Consumer, Kafka } from 'kafkajs';
import { topicNames } from '#contracts';
import type { SagaEnd } from './bench-system.js';

/**
 * Reads `saga.events` of a Kafka-native system (the coordinator, the floor) from now on and
 * tells `listener` of each saga's end, by the idempotency key its end event names. Resolves,
 * with the consumer to disconnect, once it has joined its group.
 */
export async function watchSagaEnds(
  kafka: Kafka,
  topicPrefix: string,
  groupId: string,
  listener: (key: string, end: SagaEnd) => void,
): Promise<Consumer> {
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 50 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topicNames(topicPrefix).events], fromBeginning: false });
  let joined!: () => void;
  const join = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.run({
    partitionsConsumedConcurrently: 8,
    eachBatch: async ({ batch }) => {
      for (const message of batch.messages) {
        const end = endOf(message.value?.toString());
        if (end) listener(end.key, end.end);
      }
    },
  });
  await join;
  return consumer;
}

function endOf(value: string | undefined): { key: string; end: SagaEnd } | undefined {
  if (!value) return undefined;
  const event = JSON.parse(value) as { type: string; idempotencyKey?: string };
  if (event.idempotencyKey === undefined) return undefined;
  if (event.type === 'saga.completed') return { key: event.idempotencyKey, end: 'completed' };
  if (event.type === 'saga.compensated') return { key: event.idempotencyKey, end: 'compensated' };
  return undefined;
}
