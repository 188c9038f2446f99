import {
  InMemoryTransport,
  KafkaTransport,
  kafkaSecurityOptions,
  type MessageTransport,
} from '#messaging';
import type { CoordinatorConfig } from '../config/coordinator-config.js';

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
