import { Kafka, logLevel } from 'kafkajs';
import type { ReadinessCheck } from './readiness-check.js';

/** The Kafka cluster answers a metadata request with at least one broker. */
export function brokerReadiness(brokers: string[]): ReadinessCheck {
  const kafka = new Kafka({
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
