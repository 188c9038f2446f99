import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * The coordinator's Prometheus registry, served on `GET /metrics`. It is a Nest provider
 * (token: this class): any module registers its own metrics on `registry`, e.g.
 * `new Gauge({ name: 'saga_breaker_state', help: '…', registers: [metrics.registry] })`.
 * One registry per instance (not prom-client's global one), so several coordinators in one
 * process (tests) never clash.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** The exposition text and its content type. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
