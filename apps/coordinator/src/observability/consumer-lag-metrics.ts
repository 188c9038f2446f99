import { Gauge, type Registry } from 'prom-client';
import { sharedScrapeRead } from './scrape-bound.js';

/** A consumer group and the topic it reads. */
export interface ConsumedTopic {
  readonly groupId: string;
  readonly topic: string;
}

/** What `saga_consumer_lag` reads the lag through (KafkaLagReader on the configured Kafka). */
export interface LagReader {
  /** The messages of `topic` not yet committed by `groupId`, summed over partitions. */
  lagOf(groupId: string, topic: string): Promise<number>;
}

/**
 * Registers `saga_consumer_lag`: per group and topic, the messages on the broker not yet
 * committed by the group (summed over partitions; a partition the group never committed counts
 * from its oldest retained message), read through `reader` (KafkaLagReader: an admin client
 * connected on first use). Concurrent scrapes share one read of them all and reuse it for
 * SCRAPE_READ_REUSE_MS (scrape-bound.ts); a scrape that cannot read them all keeps the last
 * figures.
 */
export function registerConsumerLagGauge(
  registry: Registry,
  reader: LagReader,
  consumed: () => readonly ConsumedTopic[],
): void {
  // One read of every group's lag, settled only once each request has: never two at once.
  const read = sharedScrapeRead(async () => {
    const entries = consumed();
    const lags = await Promise.allSettled(
      entries.map(({ groupId, topic }) => reader.lagOf(groupId, topic)),
    );
    return entries.map((entry, i) => {
      const lag = lags[i]!;
      if (lag.status === 'rejected') throw lag.reason;
      return { ...entry, lag: lag.value };
    });
  });
  const gauge = new Gauge({
    name: 'saga_consumer_lag',
    help: 'Messages not yet consumed (committed) by a consumer group, by group and topic.',
    labelNames: ['group', 'topic'],
    registers: [registry],
    async collect() {
      const lags = await read();
      // The broker is unreachable or slow: the last figures stay, as the database gauges' do
      // (an alert's `for:` clock does not restart on one slow read); saga_dependency_up says why.
      if (lags === undefined) return;
      gauge.reset();
      for (const { groupId, topic, lag } of lags) gauge.set({ group: groupId, topic }, lag);
    },
  });
}
