import type { Database, SqlRunner } from '#postgres';
import type { SagaRegistry } from '#saga-core';
import { jest } from '@jest/globals';
import { Registry } from 'prom-client';
import type { CommandGate } from '../resilience/command-gate.js';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { registerConsumerLagGauge, type LagReader } from './consumer-lag-metrics.js';
import { registerDatabaseMetrics } from './database-metrics.js';
import { registerResilienceMetrics } from './resilience-metrics.js';
import { SCRAPE_READ_REUSE_MS, SCRAPE_READ_TIMEOUT_MS } from './scrape-bound.js';

/**
 * A database and a broker that count what they are asked, by figure, and answer with `figures`;
 * after `hold()`, they answer only once the test calls the function it returns (a slow pool).
 */
function slowSources() {
  const figures = { backlog: 3, lag: 4 };
  let answers = Promise.resolve();
  const hold = () => {
    let release!: () => void;
    answers = new Promise<void>((resolve) => (release = resolve));
    return release;
  };
  const reads = { outbox: 0, open: 0, stuck: 0, transactions: 0, lag: 0 };
  const query = async (sql: string): Promise<unknown[]> => {
    const figure = sql.includes('FROM outbox')
      ? 'outbox'
      : sql.includes('GROUP BY saga_type')
        ? 'open'
        : 'stuck';
    reads[figure]++;
    await answers;
    if (figure === 'outbox') return [{ backlog: String(figures.backlog), age: 2.5 }];
    if (figure === 'open') return [{ saga_type: 'order', status: 'running', count: '5' }];
    return [{ stuck: '1', idle: '2' }];
  };
  const database = {
    isOpen: true,
    query,
    transaction: async <T>(work: (sql: SqlRunner) => Promise<T>) => {
      reads.transactions++;
      return work({ query } as unknown as SqlRunner);
    },
  } as unknown as Database;
  const lagReader: LagReader = {
    lagOf: async () => {
      reads.lag++;
      await answers;
      return figures.lag;
    },
  };
  return { database, lagReader, reads, figures, hold };
}

/** A registry with every gauge read from the database or the broker at scrape time. */
function registryReading(sources: ReturnType<typeof slowSources>): Registry {
  const registry = new Registry();
  registerDatabaseMetrics(registry, sources.database);
  registerResilienceMetrics(registry, {
    gate: { onBreakerChange: () => undefined, status: () => [] } as unknown as CommandGate,
    admission: new SagaAdmission(10),
    repliesFirst: new RepliesFirst(100, 1),
    httpStartsPending: () => 0,
    sagas: { participants: () => [] } as unknown as SagaRegistry,
    database: sources.database,
    stuckAfterMs: 60_000,
  });
  registerConsumerLagGauge(registry, sources.lagReader, () => [
    { groupId: 'saga-coordinator', topic: 'saga.replies' },
  ]);
  return registry;
}

describe('concurrent scrapes of the gauges read from the database and the broker', () => {
  afterEach(() => jest.useRealTimers());

  it('share one read of each figure among 20 scrapes at once, and all show its result', async () => {
    const sources = slowSources();
    const registry = registryReading(sources);
    const answer = sources.hold();

    const scrapes = Array.from({ length: 20 }, () => registry.metrics());
    await new Promise(setImmediate); // every scrape has asked for its figures
    answer();
    const texts = await Promise.all(scrapes);

    expect(sources.reads).toEqual({ outbox: 1, open: 1, stuck: 1, transactions: 1, lag: 1 });
    for (const text of texts) {
      expect(text).toContain('saga_outbox_backlog 3');
      expect(text).toContain('saga_outbox_oldest_age_seconds 2.5');
      expect(text).toContain('saga_open{saga_type="order",status="running"} 5');
      expect(text).toContain('saga_stuck{kind="idle"} 2');
      expect(text).toContain('saga_consumer_lag{group="saga-coordinator",topic="saga.replies"} 4');
    }
  });

  it('reuse the figures for SCRAPE_READ_REUSE_MS after their read, then read them again', async () => {
    jest.useFakeTimers();
    const sources = slowSources();
    const registry = registryReading(sources);

    await registry.metrics();
    sources.figures.backlog = 8;
    await jest.advanceTimersByTimeAsync(SCRAPE_READ_REUSE_MS - 1);
    expect(await registry.metrics()).toContain('saga_outbox_backlog 3');
    expect(sources.reads).toEqual({ outbox: 1, open: 1, stuck: 1, transactions: 1, lag: 1 });

    await jest.advanceTimersByTimeAsync(1);
    expect(await registry.metrics()).toContain('saga_outbox_backlog 8');
    expect(sources.reads).toEqual({ outbox: 2, open: 2, stuck: 2, transactions: 2, lag: 2 });
  });

  it('keep the last figures while a read is slower than the scrape, and never start a second one', async () => {
    jest.useFakeTimers();
    const sources = slowSources();
    const registry = registryReading(sources);
    await registry.metrics();
    const answer = sources.hold();
    sources.figures.lag = 9;

    for (let scrape = 0; scrape < 3; scrape++) {
      await jest.advanceTimersByTimeAsync(SCRAPE_READ_REUSE_MS);
      const text = registry.metrics();
      await jest.advanceTimersByTimeAsync(SCRAPE_READ_TIMEOUT_MS);
      expect(await text).toContain(
        'saga_consumer_lag{group="saga-coordinator",topic="saga.replies"} 4',
      );
    }
    expect(sources.reads).toEqual({ outbox: 2, open: 2, stuck: 2, transactions: 2, lag: 2 });

    answer();
    expect(await registry.metrics()).toContain(
      'saga_consumer_lag{group="saga-coordinator",topic="saga.replies"} 9',
    );
    expect(sources.reads.lag).toBe(2);
  });
});
