import type { MessageConsumer, MessagePublisher, TopicAdministrator } from '#saga-core';
import { InMemoryTransport, KafkaTransport } from '../messaging/index.js';
import type { ConsumerTuning } from '../messaging/kafka-transport-options.js';
import { kafkaSecurityOptions } from '../messaging/kafka-security.js';
import type { CoordinatorConfig } from '../config/coordinator-config.js';

/** A transport: a publisher, a topic administrator and consumers on demand (Kafka or in-process). */
export interface MessageTransport {
  readonly publisher: MessagePublisher;
  readonly administrator: TopicAdministrator;
  /** A new consumer, batching as `tuning` says (default: the transport's). */
  createConsumer(tuning?: ConsumerTuning): MessageConsumer;
  /** Stops every consumer made here, then the producer. */
  close(): Promise<void>;
}

/** Kafka when brokers are configured, else the in-process broker of the embedded mode. */
export function createMessageTransport(config: CoordinatorConfig): MessageTransport {
  if (!config.kafkaBrokers) return new InMemoryTransport();
  return new KafkaTransport({
    brokers: config.kafkaBrokers,
    clientId: config.kafkaClientId,
    ...kafkaSecurityOptions(config.security.kafka),
    consumer: {
      sessionTimeoutMs: config.kafkaSessionTimeoutMs,
      heartbeatIntervalMs: Math.max(500, Math.floor(config.kafkaSessionTimeoutMs / 10)),
      rebalanceTimeoutMs: config.kafkaRebalanceTimeoutMs,
    },
  });
}
