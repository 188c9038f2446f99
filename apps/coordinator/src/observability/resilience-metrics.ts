import type { SagaRegistry } from '#saga-core';
import type { Database } from '#postgres';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CommandGate } from '../resilience/command-gate.js';
import type { BreakerState } from '../resilience/participant-breaker.js';
import type { RepliesFirst } from '../resilience/replies-first.js';
import type { SagaAdmission } from '../resilience/saga-admission.js';
import { countStuckSagas } from '../stuck-sagas/index.js';
import { sharedScrapeRead } from './scrape-bound.js';

const STATE_VALUES: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

/** What the resilience metrics read: this instance's gate and admission, and the database. */
export interface ResilienceSources {
  readonly gate: CommandGate;
  readonly admission: SagaAdmission;
  readonly repliesFirst: RepliesFirst;
  /** The starts over HTTP this instance has not answered yet (waiting, or being written). */
  readonly httpStartsPending: () => number;
  /** The definitions, whose participants the gauges list (read at each scrape). */
  readonly sagas: SagaRegistry;
  readonly database: Database;
  readonly stuckAfterMs: number;
}

/**
 * Registers the breaker, back-pressure and stuck-saga metrics, and counts the gate's breaker
 * changes. Gauges are read at each scrape (per instance for the breakers and the
 * caps), the stuck sagas from the database: one count shared by concurrent scrapes and reused
 * for SCRAPE_READ_REUSE_MS (scrape-bound.ts), a failed or slow one leaving the last figures.
 */
export function registerResilienceMetrics(registry: Registry, sources: ResilienceSources): void {
  const { gate, admission, sagas, database } = sources;
  const status = () => gate.status(sagas.participants());
  const readStuck = sharedScrapeRead(() =>
    database.transaction((sql) => countStuckSagas(sql, sources.stuckAfterMs)),
  );
  new Gauge({
    name: 'saga_breaker_open',
    help: "1 while a participant's circuit breaker on this instance is open or half-open, else 0.",
    labelNames: ['participant'],
    registers: [registry],
    collect() {
      for (const s of status())
        this.set({ participant: s.participant }, s.breaker.state === 'closed' ? 0 : 1);
    },
  });
  new Gauge({
    name: 'saga_breaker_state',
    help: "A participant's circuit breaker on this instance: 0 closed, 1 half-open, 2 open.",
    labelNames: ['participant'],
    registers: [registry],
    collect() {
      for (const s of status())
        this.set({ participant: s.participant }, STATE_VALUES[s.breaker.state]);
    },
  });
  const transitions = new Counter({
    name: 'saga_breaker_transitions_total',
    help: 'Circuit breaker state changes on this instance, by participant and new state.',
    labelNames: ['participant', 'to'],
    registers: [registry],
  });
  new Gauge({
    name: 'saga_commands_in_flight',
    help: 'Commands sent to a participant and not answered yet (all instances, as last counted).',
    labelNames: ['participant'],
    registers: [registry],
    collect() {
      for (const s of status()) this.set({ participant: s.participant }, s.commandsInFlight);
    },
  });
  new Gauge({
    name: 'saga_commands_held',
    help: 'Commands waiting in the database for their participant (breaker open or at its cap).',
    labelNames: ['participant'],
    registers: [registry],
    collect() {
      for (const s of status()) this.set({ participant: s.participant }, s.commandsHeld);
    },
  });
  new Gauge({
    name: 'saga_in_flight',
    help: 'Sagas running or compensating, as the cap on sagas in flight counts them.',
    registers: [registry],
    collect() {
      this.set(admission.count);
    },
  });
  new Gauge({
    name: 'saga_in_flight_limit',
    help: 'The cap on sagas in flight (MAX_SAGAS_IN_FLIGHT); at it, starts wait or get 429.',
    registers: [registry],
    collect() {
      this.set(admission.limit);
    },
  });
  new Gauge({
    name: 'saga_reply_backlog',
    help: "Replies on this instance's partitions of saga.replies not yet handled, as its consumer last fetched them; at its share of STARTS_PAUSE_AT_REPLY_BACKLOG, its saga.start consumer waits.",
    registers: [registry],
    collect() {
      this.set(sources.repliesFirst.replyBacklog);
    },
  });
  new Gauge({
    name: 'saga_http_starts_pending',
    help: 'POST /sagas this instance has not answered yet: waiting while its replies are behind, or for their write; they count against MAX_SAGAS_IN_FLIGHT.',
    registers: [registry],
    collect() {
      this.set(sources.httpStartsPending());
    },
  });
  new Gauge({
    name: 'saga_stuck',
    help: 'Sagas stuck (waiting for an operator) and sagas idle for STUCK_AFTER_MS (row unchanged, or a step retrying without success), by kind.',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      if (!database.isOpen) return;
      const counts = await readStuck();
      if (counts === undefined) return; // the last figures stay; saga_dependency_up says why
      this.set({ kind: 'stuck' }, counts.stuck);
      this.set({ kind: 'idle' }, counts.idle);
    },
  });
  gate.onBreakerChange((change) =>
    transitions.inc({ participant: change.participant, to: change.to }),
  );
}
