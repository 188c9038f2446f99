import type { Database } from '#postgres';
import type { SagaRegistry } from '#saga-core';
import { Registry } from 'prom-client';
import type { CommandGate } from '../resilience/command-gate.js';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { registerResilienceMetrics } from './resilience-metrics.js';

describe('registerResilienceMetrics: the back-pressure gauges of this instance', () => {
  it('shows the reply backlog, the POSTs not yet answered and the sagas in flight as they are at the scrape', async () => {
    const registry = new Registry();
    const repliesFirst = new RepliesFirst(100, 6);
    const admission = new SagaAdmission(50);
    let pending = 0;
    registerResilienceMetrics(registry, {
      gate: { onBreakerChange: () => undefined } as unknown as CommandGate,
      admission,
      repliesFirst,
      httpStartsPending: () => pending,
      sagas: {} as SagaRegistry,
      database: {} as Database,
      stuckAfterMs: 60_000,
    });
    const value = async (name: string) =>
      (await registry.getSingleMetric(name)!.get()).values[0]?.value;

    repliesFirst.noteBacklog({ messages: 140, partitions: 6 });
    admission.noteStarted(12);
    pending = 7;
    expect(await value('saga_reply_backlog')).toBe(140);
    expect(await value('saga_http_starts_pending')).toBe(7);
    expect(await value('saga_in_flight')).toBe(12);
    expect(await value('saga_in_flight_limit')).toBe(50);

    pending = 0;
    expect(await value('saga_http_starts_pending')).toBe(0);
  });
});
