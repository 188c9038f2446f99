import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import type { ReadinessCheck } from './readiness-check.js';

/**
 * The Kafka cluster answers a metadata request with at least one broker; `security` holds the
 * TLS and SASL options every client of the coordinator uses.
 */
export function brokerReadiness(
  brokers: string[],
  security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {},
): ReadinessCheck {
  const kafka = new Kafka({
    ...security,
    clientId: 'saga-coordinator-health',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_500,
    retry: { retries: 0 },
  });
  return {
    name: 'broker',
    async check() {
      const admin = kafka.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error('no broker in the cluster metadata');
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    },
  };
}
