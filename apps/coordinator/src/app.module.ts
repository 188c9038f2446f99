import { Module, type DynamicModule, type Provider } from '@nestjs/common';
import { Database } from '#postgres';
import type { SagaRegistry } from '#saga-core';
import { SAGA_OPERATIONS } from './application/saga-operations.js';
import { SAGA_QUERIES } from './application/saga-queries.js';
import { AsyncApiController } from './asyncapi/asyncapi.controller.js';
import { BulkOperationsController } from './bulk-operations/bulk-operations.controller.js';
import {
  COORDINATOR_CONFIG,
  DEAD_LETTER_SEALER,
  MESSAGE_TRANSPORT,
  SAGA_REGISTRY,
} from './common/core-tokens.js';
import type { CoordinatorConfig } from './config/coordinator-config.js';
import { ConsoleController } from './console/console.controller.js';
import type { DeadLetterSealer } from './dead-letters/dead-letter-sealer.js';
import { DeadLettersModule } from './dead-letters/index.js';
import { SagaDecisions } from './decisions/saga-decisions.js';
import { brokerReadiness } from './health/dependency-checks.js';
import { HealthController } from './health/health.controller.js';
import {
  READINESS_CHECKS,
  ReadinessProblem,
  type ReadinessCheck,
} from './health/readiness-check.js';
import { createHttpSecurity } from './http/create-http-security.js';
import { HttpApiModule, type HttpSecurity } from './http/index.js';
import { SagaAuditController } from './http/saga-audit.controller.js';
import { SagaDefinitionsController } from './http/saga-definitions.controller.js';
import { kafkaSecurityOptions, type Companion, type MessageTransport } from '#messaging';
import { registerDependencyMetrics } from './observability/dependency-metrics.js';
import { loggingModule } from './observability/logging.module.js';
import { Metrics } from './observability/metrics.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PostgresSagaAudit } from './persistence/saga-audit.postgres.js';
import { PostgresSagaQueries } from './persistence/saga-queries.postgres.js';
import { CommandGate } from './resilience/command-gate.js';
import { PARTICIPANT_HEALTH } from './resilience/participant-health.js';
import { ParticipantHealthService } from './resilience/participant-health.service.js';
import { CoordinatorCoreModule } from './runtime/coordinator-core.module.js';
import { CoordinatorLifecycle } from './runtime/coordinator-lifecycle.js';
import { CoordinatorRuntime } from './runtime/coordinator-runtime.js';
import type { StartupPhases } from './runtime/startup-phases.js';
import { SensitiveData } from './security/sensitive-data.js';
import { StuckSagasModule } from './stuck-sagas/index.js';

/** What the coordinator runs: its configuration and its saga definitions. */
export interface AppModuleOptions {
  readonly config: CoordinatorConfig;
  readonly registry: SagaRegistry;
  /** Run in this process beside the coordinator (the embedded mode's sample participants; default none). */
  readonly companions?: readonly Companion[];
  /** Authentication and rate limits; default: as the configuration describes them. */
  readonly security?: HttpSecurity;
  /** The Prometheus registry of `GET /metrics` (default: a new one, with the Node.js process metrics). */
  readonly metrics?: Metrics;
  /** Says what start-up is doing and bounds each phase (default: bounded, writes nothing). */
  readonly startup?: StartupPhases;
}

/**
 * Readiness: the database answers, the broker answers (on Kafka), the start and reply consumers
 * are members (not the dead-letter index: best effort, seen in `saga_dead_letter_index_up`).
 * The first two are also probed at each scrape for `saga_dependency_up`.
 */
const readinessChecks: Provider = {
  provide: READINESS_CHECKS,
  inject: [COORDINATOR_CONFIG, Database, CoordinatorRuntime, Metrics],
  useFactory: (
    config: CoordinatorConfig,
    database: Database,
    runtime: CoordinatorRuntime,
    metrics: Metrics,
  ) => {
    const checks: ReadinessCheck[] = [
      { name: 'database', check: async () => void (await database.query('SELECT 1')) },
    ];
    if (config.kafkaBrokers) {
      checks.push(
        brokerReadiness(config.kafkaBrokers, kafkaSecurityOptions(config.security.kafka)),
      );
    }
    registerDependencyMetrics(metrics.registry, checks);
    checks.push({
      name: 'consumers',
      check: async () => {
        const problem = runtime.consumerProblem();
        if (problem !== undefined) throw new ReadinessProblem(problem);
      },
    });
    return checks;
  },
};

/** What the saga HTTP API operates on and reads, from the core. */
const sagaApi: Provider[] = [
  { provide: SAGA_OPERATIONS, useExisting: SagaDecisions },
  {
    provide: SAGA_QUERIES,
    inject: [Database, SAGA_REGISTRY, SensitiveData],
    useFactory: (database: Database, registry: SagaRegistry, sensitive: SensitiveData) =>
      new PostgresSagaQueries(database, registry, sensitive),
  },
  {
    provide: PARTICIPANT_HEALTH,
    inject: [Database, CommandGate, SAGA_REGISTRY],
    useFactory: (database: Database, gate: CommandGate, registry: SagaRegistry) =>
      new ParticipantHealthService(database, gate, registry),
  },
];

/**
 * The coordinator's root module: the core and its runtime, the HTTP API over it, health, the
 * AsyncAPI document of the wire contract, and the operator console at `/ui`.
 */
@Module({})
export class AppModule {
  static forRoot(options: AppModuleOptions): DynamicModule {
    const security = options.security ?? createHttpSecurity(options.config.security);
    return {
      module: AppModule,
      imports: [
        CoordinatorCoreModule.forRoot({
          config: options.config,
          registry: options.registry,
          metrics: options.metrics ?? new Metrics(),
          ...(options.startup === undefined ? {} : { startup: options.startup }),
        }),
        loggingModule(options.config),
        ObservabilityModule,
        // Before the saga API: `GET /sagas/stuck` must be matched before `GET /sagas/:id`.
        StuckSagasModule.registerAsync({
          inject: [Database, COORDINATOR_CONFIG],
          useFactory: (database: Database, config: CoordinatorConfig) => ({
            database,
            stuckAfterMs: config.stuckAfterMs,
          }),
        }),
        HttpApiModule.register({ providers: sagaApi, security }),
        DeadLettersModule.registerAsync({
          inject: [Database, MESSAGE_TRANSPORT, DEAD_LETTER_SEALER],
          useFactory: (
            database: Database,
            transport: MessageTransport,
            sealer: DeadLetterSealer,
          ) => ({ database, publisher: transport.publisher, sealer }),
        }),
      ],
      controllers: [
        HealthController,
        SagaAuditController,
        AsyncApiController,
        SagaDefinitionsController,
        BulkOperationsController,
        ConsoleController,
      ],
      providers: [
        readinessChecks,
        {
          provide: PostgresSagaAudit,
          inject: [Database],
          useFactory: (database: Database) => new PostgresSagaAudit(database),
        },
        {
          provide: CoordinatorLifecycle,
          inject: [CoordinatorRuntime],
          useFactory: (runtime: CoordinatorRuntime) =>
            new CoordinatorLifecycle(runtime, options.companions),
        },
      ],
    };
  }
}
