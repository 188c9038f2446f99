import { KafkaJSProtocolError, type Consumer, type ConsumerConfig, type Kafka } from 'kafkajs';
import type { KafkaConsumerFactory } from '#messaging';

/**
 * A kafkajs consumer factory whose first consumer of each group fails its join the way a
 * fresh broker does ("The coordinator is loading", retriable); every later one is the real one.
 * `failed` lists the groups whose first join was made to fail, in order.
 */
export function failFirstJoinOfEachGroup(): {
  readonly factory: KafkaConsumerFactory;
  readonly failed: readonly string[];
} {
  const failed: string[] = [];
  const factory = (kafka: Kafka, config: ConsumerConfig): Consumer => {
    const consumer = kafka.consumer(config);
    if (failed.includes(config.groupId)) return consumer;
    failed.push(config.groupId);
    return failingJoin(consumer);
  };
  return { factory, failed };
}

/** A kafkajs consumer factory whose every consumer fails its join: none ever becomes a member. */
export const neverJoining: KafkaConsumerFactory = (kafka, config) =>
  failingJoin(kafka.consumer(config));

/** `consumer`, its run failing the way a fresh broker fails a join (retriable). */
function failingJoin(consumer: Consumer): Consumer {
  return {
    ...consumer,
    run: async () => {
      throw new KafkaJSProtocolError(
        Object.assign(new Error("The coordinator is loading and hence can't process requests"), {
          type: 'COORDINATOR_LOAD_IN_PROGRESS',
          code: 14,
        }),
      );
    },
  };
}
