import type { SagaRegistry } from '#saga-core';
import type { Database } from '#postgres';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import type { KafkaLagReader } from '#messaging';
import { registerConsumerLagGauge } from '../observability/consumer-lag-metrics.js';
import { registerDatabaseMetrics } from '../observability/database-metrics.js';
import { registerDeadLetterIndexMetrics } from '../observability/dead-letter-index-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import { registerResilienceMetrics } from '../observability/resilience-metrics.js';
import type { CommandGate } from '../resilience/command-gate.js';
import type { RepliesFirst } from '../resilience/replies-first.js';
import type { SagaAdmission } from '../resilience/saga-admission.js';
import type { CoordinatorConsumers } from './coordinator-consumers.js';

/** What the runtime's gauges read. */
export interface GaugeSources {
  readonly database: Database;
  readonly gate: CommandGate;
  readonly admission: SagaAdmission;
  /** The reply backlog behind `saga_reply_backlog`. */
  readonly repliesFirst: RepliesFirst;
  /** The POSTs not yet answered, behind `saga_http_starts_pending`. */
  readonly httpStartsPending: () => number;
  /** The definitions, whose participants the breaker gauges list. */
  readonly sagas: SagaRegistry;
  readonly consumers: CoordinatorConsumers;
}

/**
 * The runtime's metrics on the registry: the database's (sagas, outbox), resilience (breakers,
 * caps, stuck sagas), the dead-letter index's state and, on a configured Kafka, the consumer
 * lag, whose admin client `close` disconnects.
 */
export class RuntimeGauges {
  /**
   * `lagReader`: on the configured Kafka (not on a transport given from outside), what the lag
   * is read through; closed by `close`.
   */
  constructor(
    config: CoordinatorConfig,
    metrics: Metrics,
    sources: GaugeSources,
    private readonly lagReader?: KafkaLagReader,
  ) {
    registerDatabaseMetrics(metrics.registry, sources.database);
    registerResilienceMetrics(metrics.registry, {
      ...sources,
      stuckAfterMs: config.stuckAfterMs,
    });
    registerDeadLetterIndexMetrics(metrics.registry, () =>
      sources.consumers.deadLetterIndexStatus(),
    );
    if (lagReader !== undefined) {
      registerConsumerLagGauge(metrics.registry, lagReader, () => sources.consumers.joinedTopics());
    }
  }

  async close(): Promise<void> {
    await this.lagReader?.close();
  }
}
