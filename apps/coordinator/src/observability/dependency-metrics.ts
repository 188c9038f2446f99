import { Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../health/readiness-check.js';
import { withinScrape } from './scrape-bound.js';

/**
 * Registers `saga_dependency_up{dependency}`: at each scrape, runs the given checks (the
 * database's and the broker's readiness checks) in parallel and sets 1 for each that answered
 * within 2 s, 0 for each that failed or timed out. Probing at scrape time, rather than keeping
 * what `/health/ready` last saw, gives a fresh figure even when nothing polls readiness; a
 * failing probe never fails the scrape. Alert rules page on a 0 (deploy/prometheus/alerts.yml).
 */
export function registerDependencyMetrics(
  registry: Registry,
  dependencies: readonly ReadinessCheck[],
): void {
  const probed = [...dependencies]; // the checks given now, whatever the caller adds later
  new Gauge({
    name: 'saga_dependency_up',
    help: 'Whether a dependency (database, broker) answered a probe at this scrape: 1 yes, 0 no.',
    labelNames: ['dependency'],
    registers: [registry],
    async collect() {
      const results = await Promise.all(probed.map(answers));
      probed.forEach(({ name }, i) => this.set({ dependency: name }, results[i] ? 1 : 0));
    },
  });
}

/** True when the check resolved within the scrape's bound; never rejects. */
async function answers(dependency: ReadinessCheck): Promise<boolean> {
  return (await withinScrape(dependency.check().then(() => true))) ?? false;
}
