import { Gauge, type Registry } from 'prom-client';
import type { ReadinessCheck } from '../health/readiness-check.js';
import { sharedProbe } from '../health/shared-probe.js';
import { withinScrape } from './scrape-bound.js';

/**
 * Registers `saga_dependency_up{dependency}`: at each scrape, runs the given checks (the
 * database's and the broker's readiness checks) in parallel and sets 1 for each that answered
 * within 2 s, 0 for each that failed or timed out. The checks run through the probes they share
 * with `/health/ready` (shared-probe.ts): a scrape reuses a result up to PROBE_RESULT_REUSE_MS
 * old, so the figure stays fresh even when nothing polls readiness, and many scrapers cost no
 * more probes. A failing probe never fails the scrape. Alert rules page on a 0
 * (deploy/prometheus/alerts.yml).
 */
export function registerDependencyMetrics(
  registry: Registry,
  dependencies: readonly ReadinessCheck[],
): void {
  const probed = dependencies.map(sharedProbe); // the checks given now, not those added later
  new Gauge({
    name: 'saga_dependency_up',
    help: 'Whether a dependency (database, broker) answered its latest probe (at most 1 s old): 1 yes, 0 no.',
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
