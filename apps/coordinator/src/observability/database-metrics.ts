import type { Database } from '#postgres';
import { Gauge, type Registry } from 'prom-client';
import { sharedScrapeRead } from './scrape-bound.js';

/** Sagas not yet finished, counted by the gauge (a stuck one waits for an operator). */
const OPEN_STATUSES = ['running', 'compensating', 'stuck'];

/**
 * Registers the gauges read from the database at scrape time: how many outbox rows wait to be
 * published and how long the oldest has waited (0 when none does), and how many sagas are
 * running, compensating or stuck, by type. Concurrent scrapes share one query per figure and
 * reuse its result for SCRAPE_READ_REUSE_MS (scrape-bound.ts). A read that fails or takes over
 * 2 s leaves the last figures: the scrape goes on (`saga_dependency_up` tells the database is down).
 */
export function registerDatabaseMetrics(registry: Registry, database: Database): void {
  registerOutboxMetrics(registry, database);
  const read = sharedScrapeRead(() =>
    database.query<{ saga_type: string; status: string; count: string }>(
      `SELECT saga_type, status, count(*) AS count FROM sagas
       WHERE status IN (SELECT jsonb_array_elements_text($1::jsonb)) GROUP BY saga_type, status`,
      [JSON.stringify(OPEN_STATUSES)],
    ),
  );
  const sagas = new Gauge({
    name: 'saga_open',
    help: 'Sagas running, compensating or stuck now, by type and status.',
    labelNames: ['saga_type', 'status'],
    registers: [registry],
    async collect() {
      if (!database.isOpen) return;
      const rows = await read();
      if (rows === undefined) return; // the last figures stay; saga_dependency_up says why
      sagas.reset();
      for (const row of rows) {
        sagas.set({ saga_type: row.saga_type, status: row.status }, Number(row.count));
      }
    },
  });
}

function registerOutboxMetrics(registry: Registry, database: Database): void {
  // Both gauges share one query; a failed or slow one leaves their last figures.
  const read = sharedScrapeRead(() =>
    database
      .query<{ backlog: string; age: number | null }>(
        `SELECT count(*) AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS age
         FROM outbox WHERE sent_at IS NULL`,
      )
      .then(([row]) => ({ backlog: Number(row?.backlog ?? 0), ageSeconds: row?.age ?? 0 })),
  );
  new Gauge({
    name: 'saga_outbox_backlog',
    help: 'Outbox rows committed and not yet published.',
    registers: [registry],
    async collect() {
      const figures = database.isOpen ? await read() : undefined;
      if (figures !== undefined) this.set(figures.backlog);
    },
  });
  new Gauge({
    name: 'saga_outbox_oldest_age_seconds',
    help: 'How long the oldest unpublished outbox row has waited.',
    registers: [registry],
    async collect() {
      const figures = database.isOpen ? await read() : undefined;
      if (figures !== undefined) this.set(figures.ageSeconds);
    },
  });
}
