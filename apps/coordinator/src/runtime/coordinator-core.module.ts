import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Database, RetentionLoop } from '#postgres';
import type { TopicNames } from '#contracts';
import type { SagaRegistry } from '#saga-core';
import {
  COORDINATOR_CONFIG,
  DEAD_LETTER_SEALER,
  MESSAGE_TRANSPORT,
  SAGA_REGISTRY,
  TOPIC_NAMES,
} from '../common/core-tokens.js';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import type { DeadLetterSealer } from '../dead-letters/dead-letter-sealer.js';
import { SagaDecisions } from '../decisions/saga-decisions.js';
import { RampGuard } from '../definitions/ramp-guard.js';
import { RegisteredDefinitions } from '../definitions/registered-definitions.js';
import { PostgresDefinitionStore } from '../definitions/definition-store.postgres.js';
import { Metrics } from '../observability/metrics.js';
import { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { BreakerLog } from '../resilience/breaker-log.js';
import { CapacityMonitor } from '../resilience/capacity-monitor.js';
import { CommandGate } from '../resilience/command-gate.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { TimerPoller } from '../timers/timer-poller.js';
import { BulkOperationWorker } from '../bulk-operations/bulk-operation-worker.js';
import { CoordinatorConsumers } from './coordinator-consumers.js';
import { CoordinatorRuntime } from './coordinator-runtime.js';
import { coreProviders } from './core-providers.js';
import type { MessageTransport } from '#messaging';
import { RuntimeGauges } from './runtime-gauges.js';
import { StartupPhases } from './startup-phases.js';

/** What the coordinator's core runs: the saga definitions (their participants' topics are created). */
export interface CoordinatorCoreOptions {
  readonly config: CoordinatorConfig;
  readonly registry: SagaRegistry;
  /** Use this transport instead of the one the configuration names (tests, embedded wiring). */
  readonly transport?: MessageTransport;
  /** The registry to count into (default: a new one, without the Node.js process metrics). */
  readonly metrics?: Metrics;
  /** Says what `start` is doing and bounds each phase (default: bounded, writes nothing). */
  readonly startup?: StartupPhases;
}

/** What the other modules inject from the core (the rest stays inside it, for the runtime). */
const EXPORTED = [
  COORDINATOR_CONFIG,
  SAGA_REGISTRY,
  MESSAGE_TRANSPORT,
  TOPIC_NAMES,
  DEAD_LETTER_SEALER,
  Database,
  Metrics,
  SensitiveData,
  SagaDecisions,
  CommandGate,
  SagaAdmission,
  RetentionLoop,
  CoordinatorRuntime,
  RegisteredDefinitions,
  PostgresDefinitionStore,
  BulkOperationWorker,
];

/** The runtime over the parts the core provides; it starts and stops them in order. */
const runtimeProvider: Provider = {
  provide: CoordinatorRuntime,
  inject: [
    COORDINATOR_CONFIG,
    SAGA_REGISTRY,
    Database,
    MESSAGE_TRANSPORT,
    TOPIC_NAMES,
    SagaDecisions,
    CommandGate,
    SagaAdmission,
    BreakerLog,
    SensitiveData,
    DEAD_LETTER_SEALER,
    Metrics,
    RetentionLoop,
    OutboxFastPath,
    OutboxRelay,
    CapacityMonitor,
    TimerPoller,
    BulkOperationWorker,
    CoordinatorConsumers,
    RuntimeGauges,
    StartupPhases,
    RegisteredDefinitions,
    RampGuard,
  ],
  useFactory: (
    config: CoordinatorConfig,
    registry: SagaRegistry,
    database: Database,
    transport: MessageTransport,
    topics: TopicNames,
    decisions: SagaDecisions,
    gate: CommandGate,
    admission: SagaAdmission,
    breakerLog: BreakerLog,
    sensitive: SensitiveData,
    deadLetterSealer: DeadLetterSealer,
    metrics: Metrics,
    retention: RetentionLoop,
    fastPath: OutboxFastPath,
    relay: OutboxRelay,
    capacity: CapacityMonitor,
    timers: TimerPoller,
    bulk: BulkOperationWorker,
    consumers: CoordinatorConsumers,
    gauges: RuntimeGauges,
    startup: StartupPhases,
    definitions: RegisteredDefinitions,
    rampGuard: RampGuard,
  ) =>
    new CoordinatorRuntime({
      config,
      registry,
      database,
      transport,
      topics,
      decisions,
      gate,
      admission,
      breakerLog,
      sensitive,
      deadLetterSealer,
      metrics,
      retention,
      fastPath,
      relay,
      capacity,
      timers,
      bulk,
      consumers,
      gauges,
      startup,
      definitions,
      rampGuard,
    }),
};

/**
 * The coordinator's core: its configuration, database, transport, decisions, resilience,
 * outbox, timers and consumers, each a provider built from the ones it needs, and the
 * {@link CoordinatorRuntime} that starts and stops them. Global: the HTTP, dead-letter and
 * stuck-saga modules inject what they read from it.
 */
@Global()
@Module({})
export class CoordinatorCoreModule {
  static forRoot(options: CoordinatorCoreOptions): DynamicModule {
    return {
      module: CoordinatorCoreModule,
      providers: [
        ...coreProviders({
          config: options.config,
          registry: options.registry,
          metrics: options.metrics ?? new Metrics({ defaultMetrics: false }),
          ...(options.transport === undefined ? {} : { transport: options.transport }),
        }),
        { provide: StartupPhases, useValue: options.startup ?? new StartupPhases() },
        runtimeProvider,
      ],
      exports: EXPORTED,
    };
  }
}

/**
 * A runtime alone, without HTTP (tests, embedders): the core module in a Nest application
 * context. Start and stop it with its own `start` and `stop`.
 */
export async function createCoordinatorRuntime(
  options: CoordinatorCoreOptions,
): Promise<CoordinatorRuntime> {
  const context = await NestFactory.createApplicationContext(
    CoordinatorCoreModule.forRoot(options),
    { abortOnError: false },
  );
  return context.get(CoordinatorRuntime);
}
