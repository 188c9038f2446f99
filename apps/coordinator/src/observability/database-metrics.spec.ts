import { jest } from '@jest/globals';
import { Registry } from 'prom-client';
import type { Database } from '#postgres';
import { registerDatabaseMetrics } from './database-metrics.js';
import { SCRAPE_READ_REUSE_MS } from './scrape-bound.js';

/** A database whose every query answers as `answer` says. */
function databaseThat(answer: (sql: string) => Promise<unknown>): Database {
  return { isOpen: true, query: answer } as unknown as Database;
}

describe('the gauges read from the database at scrape time', () => {
  it('report the open sagas and the outbox backlog while the database answers', async () => {
    const registry = new Registry();
    registerDatabaseMetrics(
      registry,
      databaseThat(async (sql) =>
        sql.includes('FROM outbox')
          ? [{ backlog: '7', age: 3.5 }]
          : [{ saga_type: 'order', status: 'running', count: '2' }],
      ),
    );
    const text = await registry.metrics();
    expect(text).toContain('saga_outbox_backlog 7');
    expect(text).toContain('saga_outbox_oldest_age_seconds 3.5');
    expect(text).toContain('saga_open{saga_type="order",status="running"} 2');
  });

  it('never fail the scrape when the database is gone, and keep their last figures', async () => {
    jest.useFakeTimers();
    try {
      const registry = new Registry();
      let up = true;
      let queries = 0;
      registerDatabaseMetrics(
        registry,
        databaseThat(async (sql) => {
          queries++;
          if (!up) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          return sql.includes('FROM outbox') ? [{ backlog: '4', age: 1 }] : [];
        }),
      );
      await registry.metrics();
      up = false;
      await jest.advanceTimersByTimeAsync(SCRAPE_READ_REUSE_MS); // past the figures' reuse
      const text = await registry.metrics();
      expect(text).toContain('saga_outbox_backlog 4');
      expect(queries).toBe(4); // the second scrape did ask the database
    } finally {
      jest.useRealTimers();
    }
  });

  it('never hold the scrape behind a database that does not answer', async () => {
    jest.useFakeTimers();
    try {
      const registry = new Registry();
      registerDatabaseMetrics(
        registry,
        databaseThat(() => new Promise(() => undefined)),
      );
      const scrape = registry.metrics();
      await jest.advanceTimersByTimeAsync(2_000);
      await expect(scrape).resolves.toContain('saga_outbox_backlog 0');
    } finally {
      jest.useRealTimers();
    }
  });
});
