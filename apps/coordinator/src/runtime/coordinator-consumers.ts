import { Logger } from '@nestjs/common';
import { type Database, dataErrorReason } from '#postgres';
import type { TopicNames } from '#contracts';
import type {
  BatchHandler,
  ChunkReport,
  ConsumerBacklogReport,
  IncomingMessage,
  MessageConsumer,
  SagaRegistry,
} from '#saga-core';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import type { HotPathTuning } from '../config/tuning-config.js';
import { deadLetterIndexer, deadLetterTopicsToIndex } from '../dead-letters/index.js';
import type { DeadLetterSealer } from '../dead-letters/dead-letter-sealer.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import { coalesceBatches } from '../inbound/coalesce-batches.js';
import { isolatePoison } from '../inbound/isolate-poison.js';
import { replyBatchHandler } from '../inbound/reply-handler.js';
import { startBatchHandler } from '../inbound/start-handler.js';
import type { ConsumerTuning, MessageTransport } from '#messaging';
import {
  DeadLetterIndexConsumer,
  type DeadLetterIndexStatus,
} from './dead-letter-index-consumer.js';
import { consumerTimingMetrics } from '../observability/consumer-timing-metrics.js';
import { countingDeadLetters, countingRefusals } from '../observability/dead-letter-metrics.js';
import type { Metrics } from '../observability/metrics.js';
import type { RepliesFirst } from '../resilience/replies-first.js';
import type { SagaAdmission } from '../resilience/saga-admission.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import { ReplyCatchUp, type GroupPositions } from './reply-catch-up.js';

/** Starts and replies are text: a record with bytes that are not UTF-8 is dead-lettered at once. */
const TEXT_ONLY = { requireUtf8: true };

/**
 * The fetch of the start and reply consumers (see HotPathTuning): the broker answers at the
 * first record, or after `idleWaitMs` when there is none; the consumer itself waits for fuller
 * batches under load.
 */
function hotPathFetch(tuning: HotPathTuning, idleWaitMs: number): ConsumerTuning {
  return {
    minBytes: 1,
    maxWaitTimeMs: idleWaitMs,
    waitUnderLoad: {
      fromRecordsPerSecond: tuning.fetchWaitFromRate,
      minBytes: tuning.fetchMinBytes,
      maxWaitMs: tuning.fetchMaxWaitMs,
    },
  };
}

/** What the consumers read with and hand their messages to. */
export interface CoordinatorConsumersParts {
  readonly config: CoordinatorConfig;
  readonly transport: MessageTransport;
  readonly topics: TopicNames;
  /** The definitions: the dead-letter topics of their participants are indexed. */
  readonly registry: SagaRegistry;
  readonly decisions: SagaDecisions;
  readonly sensitive: SensitiveData;
  readonly admission: SagaAdmission;
  /** Whether the replies not yet handled are many; fed by the reply consumer's backlog. */
  readonly repliesFirst: RepliesFirst;
  readonly database: Database;
  readonly deadLetterSealer: DeadLetterSealer;
  readonly metrics: Metrics;
  /**
   * Where the reply group stands on its topic, read to hold reply timeouts until the replies
   * from before this start are handled (ReplyCatchUp); absent, they are never held for that.
   */
  readonly replyPositions?: GroupPositions;
}

/**
 * The coordinator's consumers: `saga.replies` and `saga.start` into the decisions, and the
 * dead-letter topics into their index. The start consumer pauses while sagas in flight are at
 * their cap, and while the replies not yet decided are many (RepliesFirst). Knows whether the
 * start and reply consumers have joined their groups and are members now: they alone gate
 * readiness and the timers. The dead-letter index is best effort (DeadLetterIndexConsumer): a
 * dead-letter topic deleted or hidden from the coordinator must not take every instance out.
 */
export class CoordinatorConsumers {
  // The runtime's log context, which these messages have always had.
  private readonly logger = new Logger('CoordinatorRuntime');
  /** The start and reply consumers. */
  private readonly consumers: MessageConsumer[] = [];
  private startConsumer: MessageConsumer | undefined;
  private replyConsumer: MessageConsumer | undefined;
  private readonly deadLetterIndex: DeadLetterIndexConsumer;
  private readonly replyCatchUp: ReplyCatchUp;
  private joined = false;
  /** Where each start's and reply's time went (their consumers' onChunk). */
  private readonly timings: (report: ChunkReport) => void;

  constructor(private readonly parts: CoordinatorConsumersParts) {
    this.timings = consumerTimingMetrics(parts.metrics.registry);
    const { config, topics, registry, database, deadLetterSealer } = parts;
    // One group across instances, so each dead letter is indexed once.
    this.deadLetterIndex = new DeadLetterIndexConsumer({
      transport: parts.transport,
      groupId: `${config.consumerGroup}.${config.topicPrefix}dead-letters`,
      wantedTopics: () => deadLetterTopicsToIndex(topics, registry.participants()),
      handleBatch: deadLetterIndexer(database, deadLetterSealer),
    });
    this.replyCatchUp = new ReplyCatchUp(
      parts.replyPositions,
      groupOf(config, topics.replies),
      topics.replies,
    );
    parts.admission.onChange((full) => this.onAdmissionChange(full));
    parts.repliesFirst.onChange((behind) => {
      // Debug only: past saturation this flips every few hundred replies.
      this.logger.debug(
        `${this.parts.repliesFirst.replyBacklog} replies not yet handled: saga.start ${behind ? 'waits' : 'flows'}`,
      );
      this.applyStartFlow();
    });
  }

  /**
   * Starts every consumer; settles once the start and reply consumers have joined their groups
   * (or one failed to). The dead-letter index starts beside them and is not waited for.
   */
  async start(): Promise<void> {
    const { config, decisions, sensitive, topics } = this.parts;
    // A start's dead letter keeps its sensitive input fields redacted, whoever refuses it.
    const redactStart = (message: IncomingMessage) =>
      message.value === null ? undefined : sensitive.redactStart(message.value);
    this.deadLetterIndex.start();
    this.replyCatchUp.begin();
    await Promise.all([
      this.consume(
        topics.replies,
        coalesceBatches(
          this.isolatingPoison(replyBatchHandler(decisions, config.security.maxContextBytes)),
          config.tuning.decisionsInFlight,
        ),
        {
          ...hotPathFetch(config.tuning, config.tuning.fetchIdleWaitMs),
          ...TEXT_ONLY,
          maxBatchSize: config.tuning.replyBatchSize,
          // Every partition's batches at once, merged into few transactions (coalesceBatches).
          partitionsConsumedConcurrently: config.topicPartitions,
        },
        (backlog) => this.parts.repliesFirst.noteBacklog(backlog),
      ),
      this.consume(
        topics.start,
        coalesceBatches(
          this.isolatingPoison(startBatchHandler(decisions, sensitive), redactStart),
          config.tuning.decisionsInFlight,
        ),
        this.startTuning(),
        undefined,
        redactStart,
      ),
    ]);
    this.joined = true;
  }

  /**
   * Why the start and reply consumers do not consume now, safe to show in readiness: `joining
   * their groups` before their first joins, `rejoining after a crash: N of M consumer(s)` while
   * one restarts. The dead-letter index never counts here (see deadLetterIndexStatus).
   */
  problem(): string | undefined {
    if (!this.joined) return 'joining their groups';
    const out = this.consumers.filter((consumer) => consumer.isMember?.() === false);
    if (out.length === 0) return undefined;
    return `rejoining after a crash: ${out.length} of ${this.consumers.length} consumer(s)`;
  }

  /**
   * True while replies may sit unread on the topic: the reply consumer is out of its group, or
   * the replies on the topic when this instance started are not all handled yet (ReplyCatchUp).
   */
  deafToReplies(): boolean {
    if (this.joined && this.replyConsumer?.isMember?.() === false) return true;
    return this.replyCatchUp.behind();
  }

  /** The groups that consume starts and replies, and their topics, once they have joined. */
  joinedTopics(): { groupId: string; topic: string }[] {
    if (!this.joined) return [];
    const { config, topics } = this.parts;
    return [topics.start, topics.replies].map((topic) => ({
      groupId: groupOf(config, topic),
      topic,
    }));
  }

  /** Whether the dead-letter index is in its group, what it reads and what it leaves out. */
  deadLetterIndexStatus(): DeadLetterIndexStatus {
    return this.deadLetterIndex.status();
  }

  /**
   * Reads the dead-letter topics of the participants registered since it started (a definition
   * registered at runtime), and those that are back after they went missing: the index's
   * consumer leaves its group and joins again with them. Resolves once it has looked (never
   * rejects); safe to call at any time; a call before the index has started, or after stop,
   * does nothing.
   */
  followParticipants(): Promise<void> {
    return this.deadLetterIndex.recheck();
  }

  /** Stops every consumer after its batch in hand. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all([
      this.deadLetterIndex.stop(),
      ...this.consumers.splice(0).map((consumer) => consumer.stop()),
    ]);
  }

  /** Starts: every partition at once, merged, each with its share of the start chunk. */
  private startTuning(): ConsumerTuning {
    const { tuning, topicPartitions: partitions } = this.parts.config;
    return {
      ...hotPathFetch(tuning, tuning.fetchIdleWaitMs),
      ...TEXT_ONLY,
      maxBatchSize: Math.max(1, Math.floor(tuning.startChunk / partitions)),
      partitionsConsumedConcurrently: partitions,
    };
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

  private async consume(
    topic: string,
    handleBatch: BatchHandler,
    tuning: ConsumerTuning,
    onBacklog?: (backlog: ConsumerBacklogReport) => void,
    redactDeadLetter?: (message: IncomingMessage) => string | undefined,
  ): Promise<void> {
    const { config, transport, metrics } = this.parts;
    const consumer = transport.createConsumer(tuning);
    this.consumers.push(consumer);
    if (topic === this.parts.topics.replies) this.replyConsumer = consumer;
    if (topic === this.parts.topics.start) {
      // Known before it joins, and paused before it starts if starts must wait already.
      this.startConsumer = consumer;
      if (this.startsWait()) consumer.pause();
    }
    // Every dead letter counted once: the handler's, and those the consumer refuses itself.
    const counted = countingDeadLetters(metrics.registry)(handleBatch);
    await consumer.start({
      groupId: groupOf(config, topic),
      topics: [topic],
      handleBatch: counted,
      onRefused: countingRefusals(metrics.registry),
      onChunk: this.timings,
      ...(onBacklog === undefined ? {} : { onBacklog }),
      ...(redactDeadLetter === undefined ? {} : { redactDeadLetter }),
    });
  }

  /** At the cap, starts wait on the topic; below it, they flow again (unless replies are behind). */
  private onAdmissionChange(full: boolean): void {
    const { count, limit } = this.parts.admission;
    const inFlight = `${count} sagas in flight (limit ${limit})`;
    if (full) this.logger.warn(`${inFlight}: pausing the saga.start consumer`);
    else if (this.parts.repliesFirst.isBehind) {
      this.logger.log(`${inFlight}: the saga.start consumer waits for the replies behind`);
    } else this.logger.log(`${inFlight}: resuming the saga.start consumer`);
    this.applyStartFlow();
  }

  private startsWait(): boolean {
    return this.parts.admission.isFull || this.parts.repliesFirst.isBehind;
  }

  /** Pauses or resumes the start consumer (both idempotent) as the admission and replies say. */
  private applyStartFlow(): void {
    if (this.startsWait()) this.startConsumer?.pause();
    else this.startConsumer?.resume();
  }
}

/** The consumer group of the start or reply topic, shared by every instance. */
function groupOf(config: CoordinatorConfig, topic: string): string {
  return `${config.consumerGroup}.${topic}`;
}
