import { Module, type DynamicModule } from '@nestjs/common';
import type { SagaRegistry } from '#saga-core';
import { SAGA_OPERATIONS } from './application/saga-operations.js';
import { PARTICIPANT_HEALTH } from './resilience/participant-health.js';
import { SAGA_QUERIES } from './application/saga-queries.js';
import type { CoordinatorConfig } from './config/coordinator-config.js';
import { brokerReadiness } from './health/dependency-checks.js';
import { kafkaSecurityOptions } from './messaging/kafka-security.js';
import { DeadLettersModule } from './dead-letters/index.js';
import { HealthController } from './health/health.controller.js';
import {
  READINESS_CHECKS,
  ReadinessProblem,
  type ReadinessCheck,
} from './health/readiness-check.js';
import { HttpApiModule, type HttpSecurity } from './http/index.js';
import { PostgresSagaQueries } from './persistence/saga-queries.postgres.js';
import { ParticipantHealthService } from './resilience/participant-health.service.js';
import { loggingModule } from './observability/logging.module.js';
import { Metrics } from './observability/metrics.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PostgresSagaAudit } from './persistence/saga-audit.postgres.js';
import { SagaAuditController } from './http/saga-audit.controller.js';
import { runQuery } from '#postgres';
import type { Companion } from './runtime/companion.js';
import { CoordinatorLifecycle } from './runtime/coordinator-lifecycle.js';
import type { StartupPhases } from './runtime/startup-phases.js';
import { CoordinatorRuntime } from './runtime/coordinator-runtime.js';
import { StuckSagasModule } from './stuck-sagas/index.js';
import { createHttpSecurity } from './http/create-http-security.js';

/** What the coordinator runs: its configuration, its saga definitions, and their participants. */
export interface AppModuleOptions {
  readonly config: CoordinatorConfig;
  readonly registry: SagaRegistry;
  readonly participants: readonly string[];
  /** Run in this process beside the coordinator (the embedded mode's sample participants; default none). */
  readonly companions?: readonly Companion[];
  /** Authentication and rate limits; default: as the configuration describes them. */
  readonly security?: HttpSecurity;
  /** The Prometheus registry of `GET /metrics` (default: a new one, with the Node.js process metrics). */
  readonly metrics?: Metrics;
  /** Says what start-up is doing and bounds each phase (default: bounded, writes nothing). */
  readonly startup?: StartupPhases;
}

/** The coordinator's root module: the runtime, the HTTP API over it, and health. */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const runtime = new CoordinatorRuntime({
      ...options,
      metrics: options.metrics ?? new Metrics(),
    });
    const checks: ReadinessCheck[] = [
      {
        name: 'database',
        check: async () => void (await runQuery(runtime.dataSource, 'SELECT 1')),
      },
    ];
    if (options.config.kafkaBrokers) {
      const security = kafkaSecurityOptions(options.config.security.kafka);
      checks.push(brokerReadiness(options.config.kafkaBrokers, security));
    }
    checks.push({
      name: 'consumers',
      check: async () => {
        const problem = runtime.consumerProblem();
        if (problem !== undefined) throw new ReadinessProblem(problem);
      },
    });
    const api = [
      { provide: SAGA_OPERATIONS, useValue: runtime.decisions },
      {
        provide: SAGA_QUERIES,
        useValue: new PostgresSagaQueries(runtime.dataSource, options.registry, runtime.sensitive),
      },
      {
        provide: PARTICIPANT_HEALTH,
        useValue: new ParticipantHealthService(
          runtime.dataSource,
          runtime.gate,
          options.participants,
        ),
      },
    ];
    const security = options.security ?? createHttpSecurity(options.config.security);
    return {
      module: AppModule,
      imports: [
        loggingModule(options.config),
        ObservabilityModule.register(runtime.metrics),
        // Before the saga API: `GET /sagas/stuck` must be matched before `GET /sagas/:id`.
        StuckSagasModule.register({
          dataSource: runtime.dataSource,
          stuckAfterMs: options.config.stuckAfterMs,
        }),
        HttpApiModule.register({ providers: api, security }),
        DeadLettersModule.register({
          dataSource: runtime.dataSource,
          publisher: runtime.transport.publisher,
          sealer: runtime.deadLetterSealer,
        }),
      ],
      controllers: [HealthController, SagaAuditController],
      providers: [
        { provide: PostgresSagaAudit, useValue: new PostgresSagaAudit(runtime.dataSource) },
        { provide: READINESS_CHECKS, useValue: checks },
        {
          provide: CoordinatorLifecycle,
          useValue: new CoordinatorLifecycle(runtime, options.companions),
        },
      ],
    };
  }
}
