import { Gauge, type Registry } from 'prom-client';
import { KafkaLagReader, type KafkaClientSecurity } from '#messaging';
import { withinScrape } from './scrape-bound.js';

/** A consumer group and the topic it reads. */
export interface ConsumedTopic {
  readonly groupId: string;
  readonly topic: string;
}

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
      for (const { groupId, topic } of entries) {
        const lag = await withinScrape(reader.lagOf(groupId, topic));
        // The broker is unreachable or slow: no figure rather than a stale or made-up one.
        if (lag === undefined) return;
        gauge.set({ group: groupId, topic }, lag);
      }
    },
  });
  return () => reader.close();
}
