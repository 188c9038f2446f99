import { Gauge, type Registry } from 'prom-client';
import { KafkaLagReader, type KafkaClientSecurity } from '#messaging';

/** A consumer group and the topic it reads. */
export interface ConsumedTopic {
  readonly groupId: string;
  readonly topic: string;
}

const LAG_TIMEOUT_MS = 2_000;

/**
 * Registers `saga_consumer_lag`: per group and topic, the messages on the broker not yet
 * committed by the group (summed over partitions; a partition the group never committed counts
 * from its oldest retained message). Read at each scrape through a Kafka admin client that is
 * connected on first use; a scrape that cannot reach the broker leaves the gauge empty.
 * Returns a function that disconnects the admin client.
 */
export function registerConsumerLagMetrics(
  registry: Registry,
  brokers: readonly string[],
  consumed: () => readonly ConsumedTopic[],
  security: KafkaClientSecurity = {},
): () => Promise<void> {
  const reader = new KafkaLagReader(brokers, security);
  const gauge = new Gauge({
    name: 'saga_consumer_lag',
    help: 'Messages not yet consumed (committed) by a consumer group, by group and topic.',
    labelNames: ['group', 'topic'],
    registers: [registry],
    async collect() {
      gauge.reset();
      const entries = consumed();
      if (entries.length === 0) return;
      try {
        for (const { groupId, topic } of entries) {
          gauge.set({ group: groupId, topic }, await withTimeout(reader.lagOf(groupId, topic)));
        }
      } catch {
        // The broker is unreachable or slow: no figure rather than a stale or made-up one.
      }
    },
  });
  return () => reader.close();
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), LAG_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
