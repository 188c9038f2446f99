import { hostname } from 'node:os';
import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { topicNames, type TopicNames } from '#contracts';
import { dataErrorReason } from '#postgres';
import {
  createSagaEngine,
  type BatchHandler,
  type IncomingMessage,
  type MessageConsumer,
  type SagaRegistry,
  type TopicSpec,
} from '#saga-core';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import { deadLetterIndexer, deadLetterTopicsToIndex } from '../dead-letters/index.js';
import { SagaDecisions } from '../decisions/saga-decisions.js';
import { WorkSignals } from '../common/work-signals.js';
import { replyBatchHandler } from '../inbound/reply-handler.js';
import { startBatchHandler } from '../inbound/start-handler.js';
import { coalesceBatches } from '../inbound/coalesce-batches.js';
import { isolatePoison } from '../inbound/isolate-poison.js';
import { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import { OutboxRelay } from '../outbox/outbox-relay.js';
import { coordinatorPurgeTasks } from '../retention/coordinator-purge-tasks.js';
import { RetentionLoop } from '#postgres';
import { postgresDataSourceOptions, quoteIdentifier } from '../persistence/data-source-options.js';
import { guardConnections, poolTimeoutOptions } from '#postgres';
import { embeddedDataSource } from '../persistence/embedded-data-source.js';
import { BreakerLog } from '../resilience/breaker-log.js';
import { CapacityMonitor } from '../resilience/capacity-monitor.js';
import { CommandGate } from '../resilience/command-gate.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { FieldCipher } from '../security/field-cipher.js';
import { ephemeralKeyring } from '../security/keyring.js';
import { deadLetterSealing } from '../dead-letters/dead-letter-sealing.js';
import { SensitiveData } from '../security/sensitive-data.js';
import type { DeadLetterSealer } from '../dead-letters/dead-letter-sealer.js';
import { TimerPoller } from '../timers/timer-poller.js';
import { countingDeadLetters } from '../observability/dead-letter-metrics.js';
import { Metrics } from '../observability/metrics.js';
import { registerConsumerLagMetrics } from '../observability/consumer-lag-metrics.js';
import { registerDatabaseMetrics } from '../observability/database-metrics.js';
import { registerResilienceMetrics } from '../observability/resilience-metrics.js';
import { SagaLog } from '../observability/saga-log.js';
import { SagaMetrics } from '../observability/saga-metrics.js';
import { kafkaSecurityOptions } from '../messaging/kafka-security.js';
import type { ConsumerTuning } from '../messaging/kafka-transport-options.js';
import type { HotPathTuning } from '../config/tuning-config.js';
import { createMessageTransport, type MessageTransport } from './message-transport.js';
import { StartupPhases } from './startup-phases.js';
import { describeError } from '#errors';

/** First key of the retention job's advisory locks (the relay's lanes use 7 001). */
const RETENTION_LOCK_NAMESPACE = 7_002;

/** Starts and replies are text: a record with bytes that are not UTF-8 is dead-lettered at once. */
const TEXT_ONLY = { requireUtf8: true };

/** The fetch of the start and reply consumers (see HotPathTuning). */
function hotPathFetch(tuning: HotPathTuning) {
  return { minBytes: tuning.fetchMinBytes, maxWaitTimeMs: tuning.fetchMaxWaitMs };
}

/** Starts: every partition at once, merged, each with its share of the start chunk. */
function startConsumerTuning(tuning: HotPathTuning, partitions: number): ConsumerTuning {
  return {
    ...hotPathFetch(tuning),
    ...TEXT_ONLY,
    maxBatchSize: Math.max(1, Math.floor(tuning.startChunk / partitions)),
    partitionsConsumedConcurrently: partitions,
  };
}

/** What the runtime runs: the saga definitions and the participants they command. */
export interface CoordinatorRuntimeOptions {
  readonly config: CoordinatorConfig;
  readonly registry: SagaRegistry;
  /** Participants whose command topics the coordinator creates. */
  readonly participants: readonly string[];
  /** Use this transport instead of the one the configuration names (tests, embedded wiring). */
  readonly transport?: MessageTransport;
  /** The registry to count into (default: a new one, without the Node.js process metrics). */
  readonly metrics?: Metrics;
  /** Says what `start` is doing and bounds each phase (default: bounded, writes nothing). */
  readonly startup?: StartupPhases;
}

/**
 * The coordinator's moving parts, in start order: the database (migrated), the topics, the
 * outbox relay, the timer poller, the consumers of `saga.start` and `saga.replies`, and the
 * indexer of the dead-letter topics (see dead-letters/). Stop
 * runs in reverse: take no new work, finish the transaction in hand, publish what is committed.
 */
export class CoordinatorRuntime {
  readonly dataSource: DataSource;
  readonly transport: MessageTransport;
  readonly topics: TopicNames;
  readonly decisions: SagaDecisions;
  /** Breakers and caps per participant, on this instance. */
  readonly gate: CommandGate;
  readonly admission: SagaAdmission;
  readonly breakerLog: BreakerLog;
  private readonly capacity: CapacityMonitor;
  private startConsumer: MessageConsumer | undefined;
  /** The consumer of `saga.replies`: while it is out of its group, reply timeouts wait. */
  private replyConsumer: MessageConsumer | undefined;
  /** Seals, opens and redacts the fields saga definitions mark sensitive. */
  readonly sensitive: SensitiveData;
  /** Keeps dead letters of sagas with sensitive fields sealed at rest. */
  readonly deadLetterSealer: DeadLetterSealer;
  /** The Prometheus registry the runtime counts into; other modules may register on it too. */
  readonly metrics: Metrics;
  private readonly logger = new Logger(CoordinatorRuntime.name);
  private readonly relay: OutboxRelay;
  /** Deletes expired rows in the background; `runOnce` runs one round now. */
  readonly retention: RetentionLoop;
  private readonly fastPath: OutboxFastPath;
  private readonly timers: TimerPoller;
  private readonly consumers: MessageConsumer[] = [];
  private joined = false;
  private closeLagMetrics: () => Promise<void> = async () => undefined;
  /** Settles when the consumers have joined (or failed to); set by `start`. */
  consuming: Promise<void> = Promise.resolve();

  constructor(private readonly options: CoordinatorRuntimeOptions) {
    const { config } = options;
    this.dataSource = config.databaseUrl
      ? new DataSource(
          postgresDataSourceOptions({
            url: config.databaseUrl,
            schema: config.databaseSchema,
            poolSize: config.databasePoolSize,
            timeouts: config.databaseTimeouts,
            applicationName: config.databaseApplicationName,
            onPoolError: (error) =>
              this.logger.warn(`an idle database connection failed: ${error.message}`),
          }),
        )
      : embeddedDataSource(config.embeddedDataDir);
    this.transport = options.transport ?? createMessageTransport(config);
    this.topics = topicNames(config.topicPrefix);
    this.metrics = options.metrics ?? new Metrics({ defaultMetrics: false });
    registerDatabaseMetrics(this.metrics.registry, this.dataSource);
    if (config.kafkaBrokers && !options.transport) {
      this.closeLagMetrics = registerConsumerLagMetrics(
        this.metrics.registry,
        config.kafkaBrokers,
        () => (this.joined ? this.consumedTopics() : []),
        kafkaSecurityOptions(config.security.kafka),
      );
    }
    const signals = new WorkSignals();
    const plan = { topics: this.topics, timeScale: config.timeScale, lanes: config.outboxLanes };
    // Without configured keys (the in-memory embedded mode only: the configuration refuses
    // it otherwise) a key that dies with the process, like the data it protects.
    const keyring = config.security.encryption ?? ephemeralKeyring();
    const cipher = new FieldCipher(keyring);
    this.sensitive = new SensitiveData(options.registry, cipher);
    this.deadLetterSealer = deadLetterSealing(this.sensitive, cipher);
    const { resilience } = config;
    const openPayload = (sagaId: string | null, payload: unknown) =>
      sagaId === null ? payload : this.sensitive.openOutboxPayload(sagaId, payload);
    this.fastPath = new OutboxFastPath(this.dataSource, this.transport.publisher, openPayload);
    this.breakerLog = new BreakerLog(
      this.dataSource,
      this.topics,
      config.outboxLanes,
      this.fastPath,
      `${hostname()}:${process.pid}`,
    );
    this.gate = new CommandGate(resilience, (change) => {
      this.breakerLog.record(change);
      countBreakerChange(change);
      this.capacity.nudge();
    });
    this.admission = new SagaAdmission(resilience.maxSagasInFlight, (full) =>
      this.onAdmissionChange(full),
    );
    const countBreakerChange = registerResilienceMetrics(this.metrics.registry, {
      gate: this.gate,
      admission: this.admission,
      participants: options.participants,
      dataSource: this.dataSource,
      stuckAfterMs: config.stuckAfterMs,
    });
    this.decisions = new SagaDecisions(
      this.dataSource,
      createSagaEngine(options.registry),
      options.registry,
      plan,
      signals,
      { sensitive: this.sensitive, maxContextBytes: config.security.maxContextBytes },
      this.gate,
      this.admission,
      this.fastPath,
      { metrics: new SagaMetrics(this.metrics.registry), log: new SagaLog(options.registry) },
    );
    this.capacity = new CapacityMonitor(
      this.dataSource,
      this.gate,
      this.admission,
      signals,
      resilience.capacityPollMs,
      (sagaId, payload, sentAt) => this.sensitive.restampCommand(sagaId, payload, sentAt),
      this.fastPath,
    );
    this.relay = new OutboxRelay(this.dataSource, this.transport.publisher, {
      lanes: config.outboxLanes,
      batchSize: config.tuning.relayBatchSize,
      pollIntervalMs: config.relayPollMs,
      graceMs: config.relayGraceMs,
      openPayload,
      setAsideAfterMs: config.retention.outboxSetAsideAfterMs,
      setAside: (rows) => this.decisions.setAside(rows),
    });
    this.retention = new RetentionLoop(
      this.dataSource,
      coordinatorPurgeTasks(config.retention.periods),
      {
        lockNamespace: RETENTION_LOCK_NAMESPACE,
        batchSize: config.retention.batchSize,
        batchPauseMs: config.retention.batchPauseMs,
        intervalMs: config.retention.intervalMs,
        onError: (error) =>
          this.logger.warn(`retention round failed, trying again later: ${describeError(error)}`),
      },
    );
    this.timers = new TimerPoller(this.decisions, signals, {
      pollIntervalMs: config.timerPollMs,
      batchSize: config.tuning.timerBatchSize,
      deafToReplies: () => this.replyConsumer?.isMember?.() === false,
    });
  }

  /** The topics the coordinator reads and writes, each with its dead-letter topic. */
  topicSpecs(): TopicSpec[] {
    const partitions = this.options.config.topicPartitions;
    const topics = [
      this.topics.start,
      this.topics.replies,
      this.topics.events,
      ...this.options.participants.map((p) => this.topics.commands(p)),
    ];
    return topics.flatMap((topic) => [
      { topic, partitions },
      { topic: this.topics.deadLetter(topic), partitions },
    ]);
  }

  /**
   * Connects, migrates, creates the topics, starts the outbox relay, and starts consuming. The
   * timers start only once the consumers have joined their groups: after a crash a join waits
   * out the dead member's session, and timers firing meanwhile would time out steps whose
   * replies sit unread on the topic. `waitForConsumers: false` resolves before the joins (the
   * HTTP server can listen meanwhile); `consuming` tells when they are done.
   */
  async start(options: { waitForConsumers?: boolean } = {}): Promise<void> {
    const { config } = this.options;
    const phases = this.options.startup ?? new StartupPhases();
    const timeouts = config.startup;
    await phases.run(
      {
        name: 'database connect',
        timeoutMs: timeouts.databaseMs,
        setting: 'STARTUP_DATABASE_TIMEOUT_MS',
      },
      async () => {
        if (config.databaseUrl && config.databaseSchema !== 'public') {
          await this.ensureSchema(config.databaseUrl, config.databaseSchema);
        }
        await this.dataSource.initialize();
      },
    );
    guardConnections(this.dataSource);
    if (config.runMigrations) {
      const applied = await phases.run(
        {
          name: 'migrations',
          timeoutMs: timeouts.migrationsMs,
          setting: 'STARTUP_MIGRATIONS_TIMEOUT_MS',
        },
        () => this.dataSource.runMigrations({ transaction: 'all' }),
      );
      const names = applied.map((migration) => migration.name).join(', ');
      if (applied.length > 0) this.logger.log(`applied ${applied.length} migration(s): ${names}`);
    }
    const report = await phases.run(
      { name: 'topics', timeoutMs: timeouts.topicsMs, setting: 'STARTUP_TOPICS_TIMEOUT_MS' },
      () => this.transport.administrator.ensureTopics(this.topicSpecs()),
    );
    if (report.created.length > 0) this.logger.log(`created topics: ${report.created.join(', ')}`);
    this.relay.start();
    this.retention.start();
    this.capacity.start();
    this.consuming = Promise.all([
      this.consume(
        config.consumerGroup,
        this.topics.replies,
        coalesceBatches(
          this.isolatingPoison(replyBatchHandler(this.decisions, config.security.maxContextBytes)),
          config.tuning.decisionsInFlight,
        ),
        {
          ...hotPathFetch(config.tuning),
          ...TEXT_ONLY,
          maxBatchSize: config.tuning.replyBatchSize,
          // Every partition's batches at once, merged into few transactions (coalesceBatches).
          partitionsConsumedConcurrently: config.topicPartitions,
        },
      ).then((consumer) => (this.replyConsumer = consumer)),
      this.consume(
        config.consumerGroup,
        this.topics.start,
        coalesceBatches(
          this.isolatingPoison(startBatchHandler(this.decisions, this.sensitive), (message) =>
            message.value === null ? undefined : this.sensitive.redactStart(message.value),
          ),
          config.tuning.decisionsInFlight,
        ),
        startConsumerTuning(config.tuning, config.topicPartitions),
      ).then((consumer) => (this.startConsumer = consumer)),
      this.indexDeadLetters(`${config.consumerGroup}.${config.topicPrefix}dead-letters`),
    ]).then(() => {
      this.joined = true;
      this.timers.start();
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
   * A decision handler whose batches, when the database refuses a value in them (a data error,
   * e.g. U+0000 the contract did not catch), are split to dead-letter the one poison message
   * and apply the rest: inside coalesceBatches, so no other partition's message is blamed.
   */
  private isolatingPoison(
    handle: BatchHandler,
    redact?: (message: IncomingMessage) => string | undefined,
  ): BatchHandler {
    return isolatePoison(handle, {
      poisonReason: dataErrorReason,
      ...(redact === undefined ? {} : { redact }),
      onPoison: (message, reason) =>
        this.logger.warn(`a message of ${message.topic} is dead-lettered: ${reason}`),
    });
  }

  /** The groups the coordinator consumes with, and their topics. */
  private consumedTopics(): { groupId: string; topic: string }[] {
    const group = this.options.config.consumerGroup;
    return [this.topics.start, this.topics.replies].map((topic) => ({
      groupId: `${group}.${topic}`,
      topic,
    }));
  }

  /** True once the consumers have joined their groups (and the timers run), and are members now. */
  isConsuming(): boolean {
    return this.consumerProblem() === undefined;
  }

  /**
   * Why the consumers do not consume now, safe to show in readiness: `joining their groups`
   * before every first join, `rejoining after a crash: <groups>` while a crashed one restarts.
   */
  consumerProblem(): string | undefined {
    if (!this.joined) return 'joining their groups';
    const out = this.consumers.filter((consumer) => consumer.isMember?.() === false);
    if (out.length === 0) return undefined;
    return `rejoining after a crash: ${out.length} of ${this.consumers.length} consumer(s)`;
  }

  /** Stops taking work, finishes what is in hand, and closes the connections. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all(this.consumers.splice(0).map((consumer) => consumer.stop()));
    await this.timers.stop();
    await this.capacity.stop();
    this.gate.shutdown();
    await this.breakerLog.flushed();
    await this.fastPath.stop();
    await this.relay.stop();
    await this.retention.stop();
    await this.transport.close();
    await this.closeLagMetrics();
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }

  private async consume(
    groupId: string,
    topic: string,
    handleBatch: Parameters<MessageConsumer['start']>[0]['handleBatch'],
    tuning: ConsumerTuning,
  ): Promise<MessageConsumer> {
    const consumer = this.transport.createConsumer(tuning);
    this.consumers.push(consumer);
    // A consumer paused before start starts paused: the cap may be reached before the join.
    if (topic === this.topics.start && this.admission.isFull) consumer.pause();
    const counted = countingDeadLetters(this.metrics.registry)(handleBatch);
    await consumer.start({ groupId: `${groupId}.${topic}`, topics: [topic], handleBatch: counted });
    return consumer;
  }

  /** At the cap, starts wait on the topic; below it, they flow again. */
  private onAdmissionChange(full: boolean): void {
    const { count, limit } = this.admission;
    if (full) {
      this.logger.warn(
        `${count} sagas in flight (limit ${limit}): pausing the saga.start consumer`,
      );
      this.startConsumer?.pause();
    } else {
      this.logger.log(
        `${count} sagas in flight (limit ${limit}): resuming the saga.start consumer`,
      );
      this.startConsumer?.resume();
    }
  }

  /** Records what lands in the dead-letter topics; one group, so each record once across instances. */
  private async indexDeadLetters(groupId: string): Promise<void> {
    const consumer = this.transport.createConsumer();
    this.consumers.push(consumer);
    await consumer.start({
      groupId,
      topics: deadLetterTopicsToIndex(this.topics, this.options.participants),
      handleBatch: deadLetterIndexer(this.dataSource, this.deadLetterSealer),
    });
  }

  private async ensureSchema(url: string, schema: string): Promise<void> {
    const { databaseTimeouts, databaseApplicationName } = this.options.config;
    const admin = new DataSource({
      type: 'postgres',
      url,
      extra: { ...poolTimeoutOptions(databaseTimeouts, databaseApplicationName), max: 1 },
    });
    await admin.initialize();
    try {
      await admin.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
    } finally {
      await admin.destroy();
    }
  }
}
