import { logLevel } from 'kafkajs';
import type { KafkaClientSecurity } from './kafka-security.js';
import { kafkaClient } from './kafka-client.js';

/** How long a probe's authentication or metadata request may take before it fails (ms). */
const PROBE_REQUEST_TIMEOUT_MS = 10_000;

/** Probes a Kafka cluster over one admin connection, kept open from one probe to the next. */
export interface KafkaClusterProbe {
  /**
   * Resolves when the cluster answers a metadata request with at least one broker, and rejects
   * otherwise: connecting is bounded by 1.5 s, authenticating and the request by 10 s each,
   * with no retry. Connects at the first probe and after a failed one (a failure
   * closes the connection); a probe after {@link close} rejects.
   */
  probe(): Promise<void>;
  /** Closes the connection; also one that a probe running now opens. */
  close(): Promise<void>;
}

/** A {@link KafkaClusterProbe} with the TLS and SASL options in `security`. */
export function kafkaClusterProbe(
  brokers: readonly string[],
  security: KafkaClientSecurity = {},
  clientId = 'saga-coordinator-health',
): KafkaClusterProbe {
  const admin = kafkaClient({
    ...security,
    clientId,
    brokers: [...brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_500,
    // Longer than a caller waits (readiness gives up at 2 s): a busy broker's slow answer still
    // ends the probe rather than a connection, and meanwhile callers share the one in flight.
    authenticationTimeout: PROBE_REQUEST_TIMEOUT_MS,
    requestTimeout: PROBE_REQUEST_TIMEOUT_MS,
    retry: { retries: 0 },
  }).admin();
  let closed = false;
  const disconnect = () => admin.disconnect().catch(() => undefined);
  return {
    async probe() {
      if (closed) throw new Error('the cluster probe is closed');
      try {
        await admin.connect(); // returns at once while the connection is open
        const cluster = await admin.describeCluster(); // a metadata request on each call
        if (cluster.brokers.length === 0) throw new Error('no broker in the cluster metadata');
      } catch (error) {
        await disconnect(); // the next probe connects afresh, to any of `brokers`
        throw error;
      } finally {
        if (closed) await disconnect();
      }
    },
    async close() {
      closed = true;
      await disconnect();
    },
  };
}
