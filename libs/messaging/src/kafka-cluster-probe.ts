import { Kafka, logLevel } from 'kafkajs';
import type { KafkaTransportOptions } from './kafka-transport-options.js';

/** The TLS and SASL options of a process's Kafka clients (what `kafkaSecurityOptions` gives). */
export type KafkaClientSecurity = Pick<KafkaTransportOptions, 'ssl' | 'sasl'>;

/**
 * A check that resolves when the cluster answers a metadata request with at least one broker,
 * and rejects otherwise, within about 1.5 s (one connection attempt, no retry).
 */
export function kafkaClusterProbe(
  brokers: readonly string[],
  security: KafkaClientSecurity = {},
  clientId = 'saga-coordinator-health',
): () => Promise<void> {
  const kafka = new Kafka({
    ...security,
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_500,
    retry: { retries: 0 },
  });
  return async () => {
    const admin = kafka.admin();
    try {
      await admin.connect();
      const cluster = await admin.describeCluster();
      if (cluster.brokers.length === 0) throw new Error('no broker in the cluster metadata');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  };
}
