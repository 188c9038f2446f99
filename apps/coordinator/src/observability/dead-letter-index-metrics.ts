import { Gauge, type Registry } from 'prom-client';

/** What the dead-letter index says of itself (runtime/dead-letter-index-consumer.ts). */
export interface DeadLetterIndexSource {
  /** True while its consumer is a member of its group. */
  readonly member: boolean;
  /** The dead-letter topics it should read but leaves out (missing, not visible, or refused). */
  readonly leftOut: readonly string[];
}

/**
 * Registers, read at each scrape, `saga_dead_letter_index_up` (1 while this instance's
 * dead-letter index is a member of its group, 0 while it joins, after a crash, or when it
 * reads nothing) and `saga_dead_letter_topics_left_out` (the dead-letter topics it leaves out).
 * Readiness does not wait for the index: these, and its log, are where its trouble shows.
 */
export function registerDeadLetterIndexMetrics(
  registry: Registry,
  status: () => DeadLetterIndexSource,
): void {
  new Gauge({
    name: 'saga_dead_letter_index_up',
    help: "1 while this instance's dead-letter index consumer is a member of its group, else 0 (readiness does not wait for it).",
    registers: [registry],
    collect() {
      this.set(status().member ? 1 : 0);
    },
  });
  new Gauge({
    name: 'saga_dead_letter_topics_left_out',
    help: 'Dead-letter topics the dead-letter index should read but leaves out: missing, not visible to the coordinator, or refused to it (access rules).',
    registers: [registry],
    collect() {
      this.set(status().leftOut.length);
    },
  });
}
