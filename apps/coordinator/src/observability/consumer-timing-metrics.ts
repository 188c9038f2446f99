import type { ChunkReport } from '#saga-core';
import { Histogram, type Registry } from 'prom-client';

/** From 1 ms (a step at light load) to 30 s (a coordinator far behind). */
const BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];

/**
 * Where the time of a start or a reply goes in the coordinator, by topic:
 * `saga_consumer_message_age_seconds`, how long each message had been on its way (from its
 * producer's send, by its record's timestamp: another host's clock, so a skew between the two
 * adds to it or, when the producer's is ahead, takes from it, down to 0) when handed to the
 * decisions; `saga_consumer_chunk_seconds{stage}`, per chunk, the decision (`handle`, the
 * consumer's handler) and the commit of its offset (`commit`, a wait for a commit under way
 * included). Returns the consumer's onChunk, which does not throw: the ages the port gives are
 * finite. Registered once per registry.
 */
export function consumerTimingMetrics(registry: Registry): (report: ChunkReport) => void {
  const age =
    (registry.getSingleMetric('saga_consumer_message_age_seconds') as
      Histogram<'topic'> | undefined) ??
    new Histogram({
      name: 'saga_consumer_message_age_seconds',
      help: 'Time from a message being sent to the coordinator handing it to its decisions, by topic.',
      labelNames: ['topic'],
      buckets: BUCKETS_SECONDS,
      registers: [registry],
    });
  const chunk =
    (registry.getSingleMetric('saga_consumer_chunk_seconds') as
      Histogram<'topic' | 'stage'> | undefined) ??
    new Histogram({
      name: 'saga_consumer_chunk_seconds',
      help: 'Time per chunk of messages to decide it (stage handle) and to commit its offset (stage commit), by topic.',
      labelNames: ['topic', 'stage'],
      buckets: BUCKETS_SECONDS,
      registers: [registry],
    });
  return ({ topic, agesMs, handleMs, commitMs }) => {
    const ages = age.labels({ topic });
    // A producer's clock ahead of ours could make an age negative: it counts as none.
    for (const ageMs of agesMs) ages.observe(Math.max(0, ageMs) / 1_000);
    chunk.observe({ topic, stage: 'handle' }, handleMs / 1_000);
    chunk.observe({ topic, stage: 'commit' }, commitMs / 1_000);
  };
}
