import { logLevel } from 'kafkajs';
import type { KafkaClientSecurity } from './kafka-security.js';
import { kafkaClient } from './kafka-client.js';

/**
 * A check that resolves when the cluster answers a metadata request with at least one broker,
 * and rejects otherwise, within about 1.5 s (one connection attempt, no retry).
 */
export function kafkaClusterProbe(
  brokers: readonly string[],
  security: KafkaClientSecurity = {},
  clientId = 'saga-coordinator-health',
): () => Promise<void> {
  const kafka = kafkaClient({
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
