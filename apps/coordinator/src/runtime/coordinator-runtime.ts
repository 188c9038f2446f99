import { Logger } from '@nestjs/common';
import type { TopicNames } from '#contracts';
import { describeError } from '#errors';
import {
  createSchemaIfMissing,
  type Database,
  type RetentionLoop,
  retryWhileUnavailable,
} from '#postgres';
import type { SagaRegistry, TopicSpec } from '#saga-core';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import type { DeadLetterSealer } from '../dead-letters/dead-letter-sealer.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import type { RampGuard } from '../definitions/ramp-guard.js';
import type { RegisteredDefinitions } from '../definitions/registered-definitions.js';
import type { Metrics } from '../observability/metrics.js';
import type { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import type { OutboxRelay } from '../outbox/outbox-relay.js';
import { migrationSourceOf } from '../persistence/coordinator-database.js';
import {
  migrateSchema,
  refuseMissingSchema,
  refuseOutOfDate,
  schemaStatus,
} from '../persistence/schema-migrations.js';
import type { BreakerLog } from '../resilience/breaker-log.js';
import type { CapacityMonitor } from '../resilience/capacity-monitor.js';
import type { CommandGate } from '../resilience/command-gate.js';
import type { SagaAdmission } from '../resilience/saga-admission.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import type { TimerPoller } from '../timers/timer-poller.js';
import type { BulkOperationWorker } from '../bulk-operations/bulk-operation-worker.js';
import type { CoordinatorConsumers } from './coordinator-consumers.js';
import { isBrokerUnavailable, type MessageTransport } from '#messaging';
import type { RuntimeGauges } from './runtime-gauges.js';
import type { StartupPhases } from './startup-phases.js';

/** The parts the runtime starts and stops, as the core module provides them (core-providers.ts). */
export interface CoordinatorRuntimeParts {
  readonly config: CoordinatorConfig;
  /** The definitions: their participants' command topics are created at start-up. */
  readonly registry: SagaRegistry;
  readonly database: Database;
  readonly transport: MessageTransport;
  readonly topics: TopicNames;
  readonly decisions: SagaDecisions;
  readonly gate: CommandGate;
  readonly admission: SagaAdmission;
  readonly breakerLog: BreakerLog;
  readonly sensitive: SensitiveData;
  readonly deadLetterSealer: DeadLetterSealer;
  readonly metrics: Metrics;
  readonly retention: RetentionLoop;
  readonly fastPath: OutboxFastPath;
  readonly relay: OutboxRelay;
  readonly capacity: CapacityMonitor;
  readonly timers: TimerPoller;
  /** Carries out the bulk operations operators start. */
  readonly bulk: BulkOperationWorker;
  readonly consumers: CoordinatorConsumers;
  readonly gauges: RuntimeGauges;
  /** Says what `start` is doing and bounds each phase. */
  readonly startup: StartupPhases;
  /** The definitions registered over the API, loaded before the consumers start. */
  readonly definitions: RegisteredDefinitions;
  readonly rampGuard: RampGuard;
}

/**
 * Starts and stops the coordinator's moving parts, in order: the database (migrated), the
 * topics, the outbox relay, the retention loop, the capacity monitor, the consumers of
 * `saga.start`, `saga.replies` and (best effort, waited for by nothing) the dead-letter topics,
 * then the timer poller. Stop runs in
 * reverse: take no new work, finish the transaction in hand, publish what is committed. Built by
 * the core module (coordinator-core.module.ts); `createCoordinatorRuntime` gives one alone.
 */
export class CoordinatorRuntime {
  readonly database: Database;
  readonly transport: MessageTransport;
  readonly topics: TopicNames;
  readonly decisions: SagaDecisions;
  /** Breakers and caps per participant, on this instance. */
  readonly gate: CommandGate;
  readonly admission: SagaAdmission;
  readonly breakerLog: BreakerLog;
  /** Seals, opens and redacts the fields saga definitions mark sensitive. */
  readonly sensitive: SensitiveData;
  /** Keeps dead letters of sagas with sensitive fields sealed at rest. */
  readonly deadLetterSealer: DeadLetterSealer;
  /** The Prometheus registry the runtime counts into; other modules may register on it too. */
  readonly metrics: Metrics;
  /** Deletes expired rows in the background; `runOnce` runs one round now. */
  readonly retention: RetentionLoop;
  private readonly logger = new Logger(CoordinatorRuntime.name);
  /** Settles when the consumers have joined (or failed to); set by `start`. */
  consuming: Promise<void> = Promise.resolve();
  /** Set once stop() begins. */
  private stopping = false;

  constructor(private readonly parts: CoordinatorRuntimeParts) {
    this.database = parts.database;
    this.transport = parts.transport;
    this.topics = parts.topics;
    this.decisions = parts.decisions;
    this.gate = parts.gate;
    this.admission = parts.admission;
    this.breakerLog = parts.breakerLog;
    this.sensitive = parts.sensitive;
    this.deadLetterSealer = parts.deadLetterSealer;
    this.metrics = parts.metrics;
    this.retention = parts.retention;
    // A participant registered at runtime has its dead letters indexed from then on.
    parts.definitions.onAdopted(() => void parts.consumers.followParticipants());
  }

  /** The topics the coordinator reads and writes, each with its dead-letter topic. */
  topicSpecs(): TopicSpec[] {
    const { config, registry } = this.parts;
    return withDeadLetterTopics(
      this.topics,
      [
        this.topics.start,
        this.topics.replies,
        this.topics.events,
        ...registry.participants().map((p) => this.topics.commands(p)),
      ],
      config.topicPartitions,
    );
  }

  /**
   * Connects, migrates, creates the topics, starts the outbox relay, and starts consuming. The
   * timers start only once the start and reply consumers have joined their groups: after a
   * crash a join waits out the dead member's session, and timers firing meanwhile would time out
   * steps whose replies sit unread on the topic. The dead-letter index is not waited for: a
   * dead-letter topic it cannot read must not hold every saga's timers. `waitForConsumers:
   * false` resolves before the joins (the HTTP server can listen meanwhile); `consuming` tells
   * when they are done.
   */
  async start(options: { waitForConsumers?: boolean } = {}): Promise<void> {
    const { config, relay, capacity, consumers, timers } = this.parts;
    const phases = this.parts.startup;
    const timeouts = config.startup;
    // A database that fails over or ends our backends while we start is waited for, within the
    // phase's time: both phases are safe to run again (IF NOT EXISTS, one migration transaction).
    const waitingOutTheDatabase = (timeoutMs: number) => ({
      until: Date.now() + timeoutMs,
      onRetry: (error: unknown) =>
        this.logger.warn(
          `database unavailable during start-up, trying again: ${describeError(error)}`,
        ),
    });
    await phases.run(
      {
        name: 'database connect',
        timeoutMs: timeouts.databaseMs,
        setting: 'STARTUP_DATABASE_TIMEOUT_MS',
      },
      () =>
        retryWhileUnavailable(async () => {
          await this.database.open();
          if (!config.databaseUrl) return;
          // An instance that does not migrate creates nothing: it needs no right to.
          if (config.runMigrations) {
            await createSchemaIfMissing(this.database, config.databaseSchema);
          } else {
            await refuseMissingSchema(this.database, config.databaseSchema);
          }
        }, waitingOutTheDatabase(timeouts.databaseMs)),
    );
    if (config.runMigrations) {
      const applied = await phases.run(
        {
          name: 'migrations',
          timeoutMs: timeouts.migrationsMs,
          setting: 'STARTUP_MIGRATIONS_TIMEOUT_MS',
        },
        () => {
          const until = Date.now() + timeouts.migrationsMs;
          const migrations = migrationSourceOf(this.database, config, (error) =>
            this.logger.warn(`an idle database connection failed: ${error.message}`),
          );
          return retryWhileUnavailable(
            () =>
              migrations((dataSource) =>
                migrateSchema(dataSource, {
                  until,
                  onWait: () => this.logger.log('waiting for another process that migrates'),
                }),
              ),
            waitingOutTheDatabase(timeouts.migrationsMs),
          );
        },
      );
      const names = applied.map((migration) => migration.name).join(', ');
      if (applied.length > 0) this.logger.log(`applied ${applied.length} migration(s): ${names}`);
    } else {
      await phases.run(
        {
          name: 'schema check',
          timeoutMs: timeouts.databaseMs,
          setting: 'STARTUP_DATABASE_TIMEOUT_MS',
        },
        async () => {
          const status = await retryWhileUnavailable(
            () => schemaStatus(this.database),
            waitingOutTheDatabase(timeouts.databaseMs),
          );
          refuseOutOfDate(status);
          if (status.unknown.length > 0) {
            this.logger.log(
              `the schema has ${status.unknown.length} migration(s) of a newer build: ${status.unknown.join(', ')}`,
            );
          }
        },
      );
    }
    await phases.run(
      {
        name: 'registered definitions',
        timeoutMs: timeouts.databaseMs,
        setting: 'STARTUP_DATABASE_TIMEOUT_MS',
      },
      () =>
        retryWhileUnavailable(
          () => this.parts.definitions.start(),
          waitingOutTheDatabase(timeouts.databaseMs),
        ),
    );
    this.parts.rampGuard.start();
    const report = await phases.run(
      { name: 'topics', timeoutMs: timeouts.topicsMs, setting: 'STARTUP_TOPICS_TIMEOUT_MS' },
      // A broker that comes up after the coordinator (a cold start of the cluster) is waited
      // for, to the phase's bound, as the database is.
      () =>
        retryWhileUnavailable(() => this.transport.administrator.ensureTopics(this.topicSpecs()), {
          until: Date.now() + timeouts.topicsMs,
          unavailable: isBrokerUnavailable,
          onRetry: (error) =>
            this.logger.warn(
              `broker unavailable during start-up, trying again: ${describeError(error)}`,
            ),
        }),
    );
    if (report.created.length > 0) this.logger.log(`created topics: ${report.created.join(', ')}`);
    relay.start();
    this.retention.start();
    capacity.start();
    this.consuming = consumers.start().then(() => {
      // A stop before the first join resolves the start too: nothing more may begin then.
      if (this.stopping) return;
      timers.start();
      this.parts.bulk.start();
    });
    phases.track(
      {
        name: 'consumers joining',
        timeoutMs: timeouts.consumersMs,
        setting: 'STARTUP_CONSUMERS_TIMEOUT_MS',
      },
      this.consuming,
      () => this.consumerProblem(),
    );
    if (options.waitForConsumers ?? true) await this.consuming;
  }

  /**
   * True once the start and reply consumers have joined their groups (and the timers run), and
   * are members now.
   */
  isConsuming(): boolean {
    return this.consumerProblem() === undefined;
  }

  /**
   * Why the start and reply consumers do not consume now, safe to show in readiness: `joining
   * their groups` before their first joins, `rejoining after a crash: N of M consumer(s)` while
   * one restarts. The dead-letter index never counts (CoordinatorConsumers.deadLetterIndexStatus).
   */
  consumerProblem(): string | undefined {
    return this.parts.consumers.problem();
  }

  /** Stops taking work, finishes what is in hand, and closes the connections. Idempotent. */
  async stop(): Promise<void> {
    const { consumers, timers, capacity, fastPath, relay, gauges } = this.parts;
    this.stopping = true;
    await consumers.stop();
    await timers.stop();
    await this.parts.bulk.stop();
    await capacity.stop();
    await this.parts.rampGuard.stop();
    await this.parts.definitions.stop();
    this.gate.shutdown();
    await this.breakerLog.flushed();
    await fastPath.stop();
    await relay.stop();
    await this.retention.stop();
    await this.transport.close();
    await gauges.close();
    await this.database.close();
  }
}

/** Each of `names` with its dead-letter topic, all of `partitions` partitions. */
export function withDeadLetterTopics(
  topics: TopicNames,
  names: readonly string[],
  partitions: number,
): TopicSpec[] {
  return names.flatMap((topic) => [
    { topic, partitions },
    { topic: topics.deadLetter(topic), partitions },
  ]);
}
