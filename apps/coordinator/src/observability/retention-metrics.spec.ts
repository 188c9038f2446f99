import { Registry } from 'prom-client';
import { retentionMetrics } from './retention-metrics.js';

describe('retentionMetrics', () => {
  it('counts turns by outcome and what done turns deleted, and stamps the last of each', async () => {
    const registry = new Registry();
    let now = 1_000_000;
    const record = retentionMetrics(registry, () => now);

    record('sagas', { done: 40 });
    now += 60_000;
    record('sagas', { done: 2 });
    record('auditPeriodsDropped', { failed: new Error('lock timeout') });

    const values = async (name: string) =>
      (await registry.getSingleMetric(name)!.get()).values.map(({ labels, value }) => ({
        ...labels,
        value,
      }));
    expect(await values('saga_retention_runs_total')).toEqual([
      { task: 'sagas', outcome: 'done', value: 2 },
      { task: 'auditPeriodsDropped', outcome: 'failed', value: 1 },
    ]);
    expect(await values('saga_retention_count_total')).toEqual([{ task: 'sagas', value: 42 }]);
    expect(await values('saga_retention_last_run_timestamp_seconds')).toEqual([
      { task: 'sagas', outcome: 'done', value: 1_060 },
      { task: 'auditPeriodsDropped', outcome: 'failed', value: 1_060 },
    ]);
  });
});
