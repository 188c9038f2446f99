import { jest } from '@jest/globals';
import type { Response } from 'express';
import { Registry } from 'prom-client';
import { HealthController } from '../health/health.controller.js';
import type { ReadinessCheck } from '../health/readiness-check.js';
import { PROBE_RESULT_REUSE_MS } from '../health/shared-probe.js';
import { registerDependencyMetrics } from './dependency-metrics.js';

// New objects for each test: a check's shared probe keeps its result a moment (shared-probe.ts).
const up = (): ReadinessCheck => ({ name: 'database', check: async () => undefined });
const refusing = (): ReadinessCheck => ({
  name: 'broker',
  check: () => Promise.reject(new Error('connect ECONNREFUSED')),
});
const hanging = (): ReadinessCheck => ({
  name: 'broker',
  check: () => new Promise<never>(() => {}),
});

async function gaugeLines(registry: Registry): Promise<string[]> {
  const text = await registry.getSingleMetricAsString('saga_dependency_up');
  return text.split('\n').filter((line) => line.startsWith('saga_dependency_up{'));
}

describe('dependency metrics', () => {
  afterEach(() => jest.useRealTimers());

  it('says 1 for a dependency that answers and 0 for one that refuses, at each scrape', async () => {
    const registry = new Registry();
    registerDependencyMetrics(registry, [up(), refusing()]);

    expect(await gaugeLines(registry)).toEqual([
      'saga_dependency_up{dependency="database"} 1',
      'saga_dependency_up{dependency="broker"} 0',
    ]);
  });

  it('says 0 for a dependency that does not answer within 2 s, without failing the scrape', async () => {
    jest.useFakeTimers();
    const registry = new Registry();
    registerDependencyMetrics(registry, [up(), hanging()]);

    const scrape = gaugeLines(registry);
    await jest.advanceTimersByTimeAsync(2_000);

    expect(await scrape).toEqual([
      'saga_dependency_up{dependency="database"} 1',
      'saga_dependency_up{dependency="broker"} 0',
    ]);
  });

  it('probes the checks it was given, not those added to the same list afterwards', async () => {
    const registry = new Registry();
    const checks = [up()];
    registerDependencyMetrics(registry, checks);
    checks.push({ name: 'consumers', check: async () => undefined });

    expect(await gaugeLines(registry)).toEqual(['saga_dependency_up{dependency="database"} 1']);
  });

  it('follows a dependency that comes back, once the last result is PROBE_RESULT_REUSE_MS old', async () => {
    jest.useFakeTimers();
    const registry = new Registry();
    let reachable = false;
    registerDependencyMetrics(registry, [
      {
        name: 'database',
        check: async () => {
          if (!reachable) throw new Error('down');
        },
      },
    ]);

    expect(await gaugeLines(registry)).toEqual(['saga_dependency_up{dependency="database"} 0']);
    reachable = true;
    expect(await gaugeLines(registry)).toEqual(['saga_dependency_up{dependency="database"} 0']);
    await jest.advanceTimersByTimeAsync(PROBE_RESULT_REUSE_MS);
    expect(await gaugeLines(registry)).toEqual(['saga_dependency_up{dependency="database"} 1']);
  });

  it('shares its probe with /health/ready: a scrape during a readiness call adds none', async () => {
    let probes = 0;
    const database: ReadinessCheck = { name: 'database', check: async () => void probes++ };
    const registry = new Registry();
    registerDependencyMetrics(registry, [database]);
    const health = new HealthController([database]);
    const response = { status: () => undefined } as unknown as Response;

    await Promise.all([health.ready(response), gaugeLines(registry), health.ready(response)]);

    expect(probes).toBe(1);
  });
});
