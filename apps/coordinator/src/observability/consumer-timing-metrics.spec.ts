import { Registry } from 'prom-client';
import { consumerTimingMetrics } from './consumer-timing-metrics.js';

async function sampleValue(registry: Registry, name: string, labels: Record<string, string>) {
  const metric = (await registry.getMetricsAsJSON()).find(
    (entry) => entry.name === name.replace(/_(sum|count)$/, ''),
  );
  const sample = (metric?.values ?? []).find(
    (value) =>
      (value as { metricName?: string }).metricName === name &&
      Object.entries(labels).every(([key, wanted]) => value.labels[key] === wanted),
  );
  return sample?.value;
}

describe('the consumer timing metrics', () => {
  it('observes each message age and the chunk stages, by topic, in seconds', async () => {
    const registry = new Registry();
    const onChunk = consumerTimingMetrics(registry);

    onChunk({ topic: 'saga.replies', agesMs: [4, 8], handleMs: 6, commitMs: 2 });
    onChunk({ topic: 'saga.start', agesMs: [-3], handleMs: 10, commitMs: 1 });

    const age = 'saga_consumer_message_age_seconds';
    expect(await sampleValue(registry, `${age}_count`, { topic: 'saga.replies' })).toBe(2);
    expect(await sampleValue(registry, `${age}_sum`, { topic: 'saga.replies' })).toBeCloseTo(0.012);
    // A producer clock ahead of ours counts as no age, not a negative one.
    expect(await sampleValue(registry, `${age}_sum`, { topic: 'saga.start' })).toBe(0);
    const chunk = 'saga_consumer_chunk_seconds';
    expect(
      await sampleValue(registry, `${chunk}_sum`, { topic: 'saga.replies', stage: 'handle' }),
    ).toBeCloseTo(0.006);
    expect(
      await sampleValue(registry, `${chunk}_sum`, { topic: 'saga.replies', stage: 'commit' }),
    ).toBeCloseTo(0.002);
    expect(
      await sampleValue(registry, `${chunk}_count`, { topic: 'saga.start', stage: 'handle' }),
    ).toBe(1);
  });

  it('registers once per registry', () => {
    const registry = new Registry();
    consumerTimingMetrics(registry);
    expect(() => consumerTimingMetrics(registry)).not.toThrow();
  });
});
