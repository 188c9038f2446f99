import { kafkaClusterProbe, type KafkaClientSecurity } from '#messaging';
import type { ReadinessCheck } from './readiness-check.js';

/**
 * The Kafka cluster answers a metadata request with at least one broker, over one admin
 * connection kept open between checks (closed by `close`); `security` holds the TLS and SASL
 * options every client of the coordinator uses.
 */
export function brokerReadiness(
  brokers: readonly string[],
  security: KafkaClientSecurity = {},
): ReadinessCheck {
  const cluster = kafkaClusterProbe(brokers, security);
  return { name: 'broker', check: () => cluster.probe(), close: () => cluster.close() };
}
