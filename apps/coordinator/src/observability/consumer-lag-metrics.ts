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
 * connected on first use; a scrape that cannot read them all keeps the last figures.
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
      const entries = consumed();
      const lags = await Promise.all(
        entries.map(({ groupId, topic }) => withinScrape(reader.lagOf(groupId, topic))),
      );
      // The broker is unreachable or slow: the last figures stay, as the database gauges' do
      // (an alert's `for:` clock does not restart on one slow read); saga_dependency_up says why.
      if (lags.some((lag) => lag === undefined)) return;
      gauge.reset();
      entries.forEach(({ groupId, topic }, i) => gauge.set({ group: groupId, topic }, lags[i]!));
    },
  });
  return () => reader.close();
}
