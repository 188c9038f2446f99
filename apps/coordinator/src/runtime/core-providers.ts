import { hostname } from 'node:os';
import { Logger, type Provider } from '@nestjs/common';
import { Database, RetentionLoop } from '#postgres';
import { topicNames, type TopicNames } from '#contracts';
import { describeError } from '#errors';
import { createSagaEngine, type SagaRegistry } from '#saga-core';
import {
  COORDINATOR_CONFIG,
  DEAD_LETTER_SEALER,
  MESSAGE_TRANSPORT,
  SAGA_REGISTRY,
  TOPIC_NAMES,
} from '../common/core-tokens.js';
import { WorkSignals } from '../common/work-signals.js';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import type { DeadLetterSealer } from '../dead-letters/dead-letter-sealer.js';
import { deadLetterSealing } from '../dead-letters/dead-letter-sealing.js';
import { SagaDecisions } from '../decisions/saga-decisions.js';
import { MAX_WAITING_START_BYTES } from '../decisions/start-decisions.js';
import { PostgresDefinitionStore } from '../definitions/definition-store.postgres.js';
import { RampGuard } from '../definitions/ramp-guard.js';
import { rampRollbackEvent } from '../definitions/ramp-rollback-event.js';
import { RegisteredDefinitions } from '../definitions/registered-definitions.js';
import { Metrics } from '../observability/metrics.js';
import { rampRollbackCounter } from '../observability/definition-metrics.js';
import { retentionMetrics } from '../observability/retention-metrics.js';
import { SagaLog } from '../observability/saga-log.js';
import { SagaMetrics } from '../observability/saga-metrics.js';
import { OutboxFastPath, REMOVABLE_ANY_TIME } from '../outbox/outbox-fast-path.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { coordinatorDatabase } from '../persistence/coordinator-database.js';
import { BreakerLog } from '../resilience/breaker-log.js';
import { CapacityMonitor } from '../resilience/capacity-monitor.js';
import { CommandGate } from '../resilience/command-gate.js';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { coordinatorPurgeTasks } from '../retention/coordinator-purge-tasks.js';
import { FieldCipher } from '../security/field-cipher.js';
import { ephemeralKeyring } from '../security/keyring.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { TimerPoller } from '../timers/timer-poller.js';
import { BulkOperationWorker } from '../bulk-operations/bulk-operation-worker.js';
import { PostgresSagaStore } from '../saga-store/postgres-saga-store.js';
import { CoordinatorConsumers } from './coordinator-consumers.js';
import { withDeadLetterTopics } from './coordinator-runtime.js';
import { KafkaLagReader, kafkaSecurityOptions, type MessageTransport } from '#messaging';
import { createMessageTransport } from './message-transport.js';
import { RuntimeGauges } from './runtime-gauges.js';

/** First key of the retention job's advisory locks (the relay's lanes use 7 001). */
const RETENTION_LOCK_NAMESPACE = 7_002;

// The runtime's log context, which these messages have always had.
const logger = new Logger('CoordinatorRuntime');

/** The database: Postgres when a URL is configured, else the embedded one. */
function databaseFor(config: CoordinatorConfig): Database {
  return coordinatorDatabase(config, (error) =>
    logger.warn(`an idle database connection failed: ${error.message}`),
  );
}

/** What a saga's outbox row carries on the wire: its sealed fields opened. */
function payloadOpener(sensitive: SensitiveData) {
  return (sagaId: string | null, payload: unknown) =>
    sagaId === null ? payload : sensitive.openOutboxPayload(sagaId, payload);
}

/** What the core module is given rather than builds. */
export interface CoreInputs {
  readonly config: CoordinatorConfig;
  readonly registry: SagaRegistry;
  readonly transport?: MessageTransport;
  readonly metrics: Metrics;
}

/**
 * The providers of the coordinator's moving parts, each built from the ones it needs. Change
 * notifications (a breaker's state, the saga cap) are subscriptions made where the listener
 * is built, so no two parts need each other to exist first; the listeners are independent of
 * each other (log, count, wake), so the order Nest builds them in does not matter.
 */
export function coreProviders(inputs: CoreInputs): Provider[] {
  return [
    { provide: COORDINATOR_CONFIG, useValue: inputs.config },
    { provide: SAGA_REGISTRY, useValue: inputs.registry },
    { provide: Metrics, useValue: inputs.metrics },
    { provide: WorkSignals, useValue: new WorkSignals() },
    { provide: Database, inject: [COORDINATOR_CONFIG], useFactory: databaseFor },
    {
      provide: MESSAGE_TRANSPORT,
      inject: [COORDINATOR_CONFIG],
      useFactory: (config: CoordinatorConfig) => inputs.transport ?? createMessageTransport(config),
    },
    {
      provide: TOPIC_NAMES,
      inject: [COORDINATOR_CONFIG],
      useFactory: (config: CoordinatorConfig) => topicNames(config.topicPrefix),
    },
    // Without configured keys (the in-memory embedded mode only: the configuration refuses it
    // otherwise) a key that dies with the process, like the data it protects.
    {
      provide: FieldCipher,
      inject: [COORDINATOR_CONFIG],
      useFactory: (config: CoordinatorConfig) =>
        new FieldCipher(config.security.encryption ?? ephemeralKeyring()),
    },
    {
      provide: SensitiveData,
      inject: [SAGA_REGISTRY, FieldCipher],
      useFactory: (registry: SagaRegistry, cipher: FieldCipher) =>
        new SensitiveData(registry, cipher),
    },
    {
      provide: DEAD_LETTER_SEALER,
      inject: [SensitiveData, FieldCipher],
      useFactory: deadLetterSealing,
    },
    {
      provide: OutboxFastPath,
      inject: [Database, MESSAGE_TRANSPORT, SensitiveData],
      useFactory: (database: Database, transport: MessageTransport, sensitive: SensitiveData) =>
        new OutboxFastPath(database, transport.publisher, payloadOpener(sensitive)),
    },
    {
      provide: CommandGate,
      inject: [COORDINATOR_CONFIG],
      useFactory: (config: CoordinatorConfig) => new CommandGate(config.resilience),
    },
    {
      provide: SagaAdmission,
      inject: [COORDINATOR_CONFIG],
      useFactory: (config: CoordinatorConfig) =>
        new SagaAdmission(config.resilience.maxSagasInFlight),
    },
    {
      provide: RepliesFirst,
      inject: [COORDINATOR_CONFIG],
      useFactory: (config: CoordinatorConfig) =>
        new RepliesFirst(config.resilience.startsPauseAtReplyBacklog, config.topicPartitions),
    },
    {
      provide: BreakerLog,
      inject: [COORDINATOR_CONFIG, Database, TOPIC_NAMES, OutboxFastPath, CommandGate],
      useFactory: (
        config: CoordinatorConfig,
        database: Database,
        topics: TopicNames,
        fastPath: OutboxFastPath,
        gate: CommandGate,
      ) => {
        const instance = `${hostname()}:${process.pid}`;
        const log = new BreakerLog(database, topics, config.outboxLanes, fastPath, instance);
        gate.onBreakerChange((change) => log.record(change));
        return log;
      },
    },
    {
      provide: PostgresDefinitionStore,
      inject: [Database],
      useFactory: (database: Database) => new PostgresDefinitionStore(database),
    },
    {
      provide: RegisteredDefinitions,
      inject: [
        COORDINATOR_CONFIG,
        SAGA_REGISTRY,
        PostgresDefinitionStore,
        MESSAGE_TRANSPORT,
        TOPIC_NAMES,
      ],
      useFactory: (
        config: CoordinatorConfig,
        registry: SagaRegistry,
        store: PostgresDefinitionStore,
        transport: MessageTransport,
        topics: TopicNames,
      ) =>
        new RegisteredDefinitions(store, registry, {
          pollMs: config.definitions.pollMs,
          createParticipantTopics: async (participants) => {
            const names = participants.map((participant) => topics.commands(participant));
            await transport.administrator.ensureTopics(
              withDeadLetterTopics(topics, names, config.topicPartitions),
            );
          },
        }),
    },
    {
      provide: RampGuard,
      inject: [
        COORDINATOR_CONFIG,
        PostgresDefinitionStore,
        RegisteredDefinitions,
        Metrics,
        TOPIC_NAMES,
        OutboxFastPath,
      ],
      useFactory: (
        config: CoordinatorConfig,
        store: PostgresDefinitionStore,
        definitions: RegisteredDefinitions,
        metrics: Metrics,
        topics: TopicNames,
        fastPath: OutboxFastPath,
      ) => {
        const rollbacks = rampRollbackCounter(metrics.registry);
        return new RampGuard(
          store,
          definitions,
          {
            checkMs: config.definitions.rampCheckMs,
            margin: config.definitions.rampFallbackMargin,
            minSagas: config.definitions.rampFallbackMinSagas,
          },
          {
            event: (rollback) => rampRollbackEvent(rollback, topics, config.outboxLanes),
            rolledBack: (rollback, ids, event) => {
              fastPath.publish(ids, [event], undefined, REMOVABLE_ANY_TIME);
              rollbacks.inc({ saga_type: rollback.name, version: String(rollback.version) });
            },
          },
        );
      },
    },
    {
      provide: SagaDecisions,
      inject: [
        COORDINATOR_CONFIG,
        SAGA_REGISTRY,
        Database,
        TOPIC_NAMES,
        WorkSignals,
        SensitiveData,
        CommandGate,
        SagaAdmission,
        RepliesFirst,
        OutboxFastPath,
        Metrics,
        RegisteredDefinitions,
      ],
      useFactory: (
        config: CoordinatorConfig,
        registry: SagaRegistry,
        database: Database,
        topics: TopicNames,
        signals: WorkSignals,
        sensitive: SensitiveData,
        gate: CommandGate,
        admission: SagaAdmission,
        repliesFirst: RepliesFirst,
        fastPath: OutboxFastPath,
        metrics: Metrics,
        definitions: RegisteredDefinitions,
      ) =>
        new SagaDecisions(
          {
            store: new PostgresSagaStore(database, {
              compactOutboxHeaders: config.tuning.compactOutboxHeaders,
            }),
            engine: createSagaEngine(registry),
            registry,
            plan: { topics, timeScale: config.timeScale, lanes: config.outboxLanes },
            signals,
            sensitive,
            gate,
            fastPath,
            telemetry: {
              metrics: new SagaMetrics(metrics.registry),
              log: new SagaLog(registry, config.logLevel),
            },
            versions: definitions,
            stateCacheSize: config.tuning.stateCacheSize,
          },
          {
            admission,
            repliesFirst,
            waitForRepliesMs: config.resilience.httpStartWaitMaxMs,
            maxWaitingBytes: MAX_WAITING_START_BYTES,
            maxContextBytes: config.security.maxContextBytes,
          },
        ),
    },
    {
      provide: CapacityMonitor,
      inject: [
        COORDINATOR_CONFIG,
        Database,
        CommandGate,
        SagaAdmission,
        WorkSignals,
        SensitiveData,
        OutboxFastPath,
      ],
      useFactory: (
        config: CoordinatorConfig,
        database: Database,
        gate: CommandGate,
        admission: SagaAdmission,
        signals: WorkSignals,
        sensitive: SensitiveData,
        fastPath: OutboxFastPath,
      ) => {
        const monitor = new CapacityMonitor(
          database,
          gate,
          admission,
          signals,
          config.resilience.capacityPollMs,
          (sagaId, payload, sentAt) => sensitive.restampCommand(sagaId, payload, sentAt),
          fastPath,
        );
        gate.onBreakerChange(() => monitor.nudge());
        return monitor;
      },
    },
    {
      provide: OutboxRelay,
      inject: [COORDINATOR_CONFIG, Database, MESSAGE_TRANSPORT, SensitiveData, SagaDecisions],
      useFactory: (
        config: CoordinatorConfig,
        database: Database,
        transport: MessageTransport,
        sensitive: SensitiveData,
        decisions: SagaDecisions,
      ) =>
        new OutboxRelay(database, transport.publisher, {
          lanes: config.outboxLanes,
          batchSize: config.tuning.relayBatchSize,
          pollIntervalMs: config.relayPollMs,
          graceMs: config.relayGraceMs,
          openPayload: payloadOpener(sensitive),
          setAsideAfterMs: config.retention.outboxSetAsideAfterMs,
          setAside: (rows) => decisions.setAside(rows),
          retryUnheldAfterMs: config.retention.outboxSetAsideRetryMs,
        }),
    },
    {
      provide: RetentionLoop,
      inject: [COORDINATOR_CONFIG, Database, Metrics],
      useFactory: (config: CoordinatorConfig, database: Database, metrics: Metrics) => {
        const record = retentionMetrics(metrics.registry);
        return new RetentionLoop(
          database,
          coordinatorPurgeTasks(config.retention.periods, {
            periodMs: config.retention.auditPartitionMs,
            roundIntervalMs: config.retention.intervalMs,
          }),
          {
            lockNamespace: RETENTION_LOCK_NAMESPACE,
            batchSize: config.retention.batchSize,
            batchPauseMs: config.retention.batchPauseMs,
            intervalMs: config.retention.intervalMs,
            onTaskRun: (task, outcome) => {
              record(task, outcome);
              if ('failed' in outcome) {
                logger.warn(
                  `retention task ${task} failed, trying again next round: ${describeError(outcome.failed)}`,
                );
              }
            },
          },
        );
      },
    },
    {
      // Where the consumer groups stand (one admin client: the lag gauge and the replies' catch-up),
      // on the configured Kafka only: not with a transport handed in (the in-process broker keeps
      // nothing across starts). RuntimeGauges closes it.
      provide: KafkaLagReader,
      inject: [COORDINATOR_CONFIG],
      useFactory: (config: CoordinatorConfig) =>
        inputs.transport === undefined && config.kafkaBrokers
          ? new KafkaLagReader(config.kafkaBrokers, kafkaSecurityOptions(config.security.kafka))
          : null,
    },
    {
      provide: CoordinatorConsumers,
      inject: [
        COORDINATOR_CONFIG,
        MESSAGE_TRANSPORT,
        TOPIC_NAMES,
        SAGA_REGISTRY,
        SagaDecisions,
        SensitiveData,
        SagaAdmission,
        RepliesFirst,
        Database,
        DEAD_LETTER_SEALER,
        Metrics,
        KafkaLagReader,
      ],
      useFactory: (
        config: CoordinatorConfig,
        transport: MessageTransport,
        topics: TopicNames,
        registry: SagaRegistry,
        decisions: SagaDecisions,
        sensitive: SensitiveData,
        admission: SagaAdmission,
        repliesFirst: RepliesFirst,
        database: Database,
        deadLetterSealer: DeadLetterSealer,
        metrics: Metrics,
        lagReader: KafkaLagReader | null,
      ) =>
        new CoordinatorConsumers({
          config,
          transport,
          topics,
          registry,
          decisions,
          sensitive,
          admission,
          repliesFirst,
          database,
          deadLetterSealer,
          metrics,
          ...(lagReader !== null && { replyPositions: lagReader }),
        }),
    },
    {
      provide: RuntimeGauges,
      inject: [
        COORDINATOR_CONFIG,
        Metrics,
        Database,
        CommandGate,
        SagaAdmission,
        RepliesFirst,
        SagaDecisions,
        SAGA_REGISTRY,
        CoordinatorConsumers,
        KafkaLagReader,
      ],
      useFactory: (
        config: CoordinatorConfig,
        metrics: Metrics,
        database: Database,
        gate: CommandGate,
        admission: SagaAdmission,
        repliesFirst: RepliesFirst,
        decisions: SagaDecisions,
        registry: SagaRegistry,
        consumers: CoordinatorConsumers,
        lagReader: KafkaLagReader | null,
      ) =>
        new RuntimeGauges(
          config,
          metrics,
          {
            database,
            gate,
            admission,
            repliesFirst,
            httpStartsPending: () => decisions.httpStartsPending(),
            sagas: registry,
            consumers,
          },
          lagReader ?? undefined,
        ),
    },
    {
      provide: TimerPoller,
      inject: [COORDINATOR_CONFIG, SagaDecisions, WorkSignals, CoordinatorConsumers],
      useFactory: (
        config: CoordinatorConfig,
        decisions: SagaDecisions,
        signals: WorkSignals,
        consumers: CoordinatorConsumers,
      ) =>
        new TimerPoller(decisions, signals, {
          pollIntervalMs: config.timerPollMs,
          batchSize: config.tuning.timerBatchSize,
          deafToReplies: () => consumers.deafToReplies(),
        }),
    },
    {
      provide: BulkOperationWorker,
      inject: [COORDINATOR_CONFIG, SagaDecisions, Database],
      useFactory: (config: CoordinatorConfig, decisions: SagaDecisions, database: Database) =>
        new BulkOperationWorker(
          decisions,
          {
            read: () => database,
            transaction: (work) => database.transaction(work),
          },
          { chunkSize: config.tuning.bulkChunkSize, maxRate: config.tuning.bulkMaxRate },
        ),
    },
  ];
}
