import type { DataSource } from 'typeorm';
import { Gauge, type Registry } from 'prom-client';
import { runQuery } from '#postgres';

/**
 * Registers the outbox gauges, read from the database at each scrape: how many rows wait to be
 * published, and how long the oldest has waited (0 when none does).
 */
export function registerOutboxMetrics(registry: Registry, dataSource: DataSource): void {
  let pending: Promise<{ backlog: number; ageSeconds: number }> | undefined;
  // Both gauges share one query per scrape.
  const read = () =>
    (pending ??= runQuery<{ backlog: string; age: number | null }>(
      dataSource,
      `SELECT count(*) AS backlog, extract(epoch FROM now() - min(created_at))::float8 AS age
       FROM outbox WHERE sent_at IS NULL`,
    )
      .then(([row]) => ({ backlog: Number(row?.backlog ?? 0), ageSeconds: row?.age ?? 0 }))
      .finally(() => setImmediate(() => (pending = undefined))));
  new Gauge({
    name: 'saga_outbox_backlog',
    help: 'Outbox rows committed and not yet published.',
    registers: [registry],
    async collect() {
      if (dataSource.isInitialized) this.set((await read()).backlog);
    },
  });
  new Gauge({
    name: 'saga_outbox_oldest_age_seconds',
    help: 'How long the oldest unpublished outbox row has waited.',
    registers: [registry],
    async collect() {
      if (dataSource.isInitialized) this.set((await read()).ageSeconds);
    },
  });
}
