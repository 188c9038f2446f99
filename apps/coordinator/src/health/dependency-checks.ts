import { kafkaClusterProbe, type KafkaClientSecurity } from '#messaging';
import type { ReadinessCheck } from './readiness-check.js';

/**
 * The Kafka cluster answers a metadata request with at least one broker; `security` holds the
 * TLS and SASL options every client of the coordinator uses.
 */
export function brokerReadiness(
  brokers: readonly string[],
  security: KafkaClientSecurity = {},
): ReadinessCheck {
  return { name: 'broker', check: kafkaClusterProbe(brokers, security) };
}
