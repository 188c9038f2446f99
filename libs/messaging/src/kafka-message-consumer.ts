import type { Consumer, ConsumerConfig, Kafka } from 'kafkajs';
import { ConsumerBacklog } from './consumer-backlog.js';
import { createEachBatchHandler } from './kafka-batch-processor.js';
import { mergedCommits, type MergedCommits } from './merged-commits.js';
import type { KafkaRecordSender } from './kafka-message-publisher.js';
import {
  toConsumerConfig,
  type ResolvedKafkaConsumerOptions,
  type ResolvedKafkaRetry,
} from './kafka-transport-options.js';
import { abortableDelay, backoffDelayMs } from './retry-backoff.js';
import { assertTopicName } from './topic-specs.js';
import { kafkaErrorCode } from './send-refusal.js';
import { type TransportLogger } from './transport-logger.js';
import { describeError } from '#errors';
import type { AccessRefusal, ConsumerStartOptions, MessageConsumer } from '#saga-core';

/** Makes one kafkajs consumer; the seam where tests inject a consumer that fails to join. */
export type KafkaConsumerFactory = (kafka: Kafka, config: ConsumerConfig) => Consumer;

/** What a KafkaMessageConsumer is built from (KafkaTransport.createConsumer fills it in). */
export interface KafkaMessageConsumerDependencies {
  readonly kafka: Kafka;
  readonly consumer: ResolvedKafkaConsumerOptions;
  /** kafkajs's retries; its times also pace the restarts after a crash (initial, ×multiplier, cap). */
  readonly retry: ResolvedKafkaRetry;
  /** Where dead letters are published (the transport's producer). */
  readonly deadLetters: KafkaRecordSender;
  readonly logger: TransportLogger;
  /** The wall clock: the time written in `failed-at` headers, and what message ages count to (default: the system clock). */
  readonly now?: () => Date;
  /** Called each time the consumer starts a fetch: for tests that wait for a poll. */
  readonly onPoll?: () => void;
  /** Called when a fetched batch starts to wait for a resume: for tests that wait for a paused consumer to settle. */
  readonly onHold?: () => void;
  /** Makes each kafkajs consumer (default: `kafka.consumer(config)`). */
  readonly createConsumer?: KafkaConsumerFactory;
  /** Called once, when `stop` has finished (its kafkajs consumer disconnected): owners forget it here. */
  readonly onStopped?: () => void;
}

type State = 'new' | 'running' | 'stopped';

/** How far one kafkajs consumer got before it crashed. */
interface RunProgress {
  /** A fetch of it succeeded (kafkajs's FETCH event), from any of its brokers. */
  fetched: boolean;
}

/** The broker's error types that refuse a consumer access, and what each refuses. */
const ACCESS_REFUSALS: ReadonlyMap<string, AccessRefusal['scope']> = new Map([
  ['TOPIC_AUTHORIZATION_FAILED', 'topic'],
  ['GROUP_AUTHORIZATION_FAILED', 'group'],
]);
const ACCESS_REFUSAL_CODES: ReadonlySet<string> = new Set(ACCESS_REFUSALS.keys());

/**
 * The kafkajs adapter of MessageConsumer: one kafkajs consumer at a time in one group,
 * `eachBatch` with manual commits (see createEachBatchHandler), reading from the earliest offset
 * when the group has none. Pause and resume act on every subscribed topic: a paused consumer
 * hands nothing more over; a batch it has fetched waits in hand (its fetcher fetching nothing
 * more, up to HOLD_LIMIT_MS at a time) and a resume hands it over at once.
 *
 * A crash, before or after the first join, never ends it: the crashed kafkajs consumer is
 * disconnected (which also cancels kafkajs's own restart, so there is never a second member)
 * and a new one starts after a back-off (kafkajs's retry times: initial, ×multiplier, capped),
 * until `stop`. The back-off starts over only after a consumer that fetched: one that crashes
 * at its join, or at its first fetch (a topic it may not read), waits longer each time.
 * `isMember` says whether it is in its group right now.
 */
export class KafkaMessageConsumer implements MessageConsumer {
  private state: State = 'new';
  private topics: string[] = [];
  private paused = false;
  /** Waits cut short by the next resume. */
  private readonly resumeWaiters = new Set<() => void>();
  private member = false;
  /** Joins of the group, by any member this consumer ran: a batch begun before one is stale. */
  private joins = 0;
  private stopping: Promise<void> | undefined;
  private supervising: Promise<void> = Promise.resolve();
  private readonly stopController = new AbortController();
  private firstJoin: (() => void) | undefined;
  /** Kept across crashes: out of its group, the consumer's last backlog still stands. */
  private backlog = new ConsumerBacklog(undefined);

  constructor(private readonly deps: KafkaMessageConsumerDependencies) {}

  /** Resolves at the first join, or when stopped before it; rejects only on bad options. */
  async start(options: ConsumerStartOptions): Promise<void> {
    if (this.state !== 'new') throw new Error('a consumer can be started once');
    if (typeof options.groupId !== 'string' || options.groupId.trim() === '') {
      throw new TypeError('groupId must be a non-empty string');
    }
    if (options.topics.length === 0) throw new TypeError('topics must name at least one topic');
    options.topics.forEach(assertTopicName);
    this.state = 'running';
    this.topics = [...new Set(options.topics)];
    this.backlog = new ConsumerBacklog(options.onBacklog);
    const joined = new Promise<void>((resolve) => (this.firstJoin = resolve));
    this.supervising = this.supervise(options);
    await joined;
  }

  /** True between a join of the group and the next crash or stop. */
  isMember(): boolean {
    return this.member;
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.wakeWaiters();
  }

  /** Resolves at the next resume or stop, or after `ms`. */
  private waitForResume(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.resumeWaiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.resumeWaiters.add(wake);
    });
  }

  private wakeWaiters(): void {
    for (const wake of [...this.resumeWaiters]) wake();
  }

  stop(): Promise<void> {
    this.stopping ??= this.shutDown();
    return this.stopping;
  }

  private async shutDown(): Promise<void> {
    this.state = 'stopped';
    this.member = false;
    this.stopController.abort();
    this.wakeWaiters(); // a batch held while paused is given up
    this.firstJoin?.();
    try {
      await this.supervising; // the running kafkajs consumer, if any, disconnects there
    } finally {
      this.deps.onStopped?.();
    }
  }

  /** Runs one kafkajs consumer after another: each until it crashes, then a back-off; until stop. */
  private async supervise(options: ConsumerStartOptions): Promise<void> {
    let crashes = 0;
    while (this.state === 'running') {
      const progress: RunProgress = { fetched: false };
      const error = await this.runOnce(options, progress).catch((e: unknown) => e);
      this.member = false;
      if (this.state !== 'running') return;
      const refusal = accessRefusalOf(error);
      // Only a run that fetched starts the back-off over: a join proves nothing (a refused topic
      // crashes each run right after its join). Nor does a refused one, though another broker's
      // fetch went through meanwhile: a restart does not change the access rules.
      crashes = progress.fetched && refusal === undefined ? 1 : crashes + 1;
      const delayMs = backoffDelayMs(
        {
          initialDelayMs: this.deps.retry.initialRetryTimeMs,
          multiplier: this.deps.retry.multiplier,
          maxDelayMs: Math.max(
            this.deps.retry.initialRetryTimeMs,
            this.deps.consumer.restartMaxDelayMs,
          ),
        },
        crashes,
      );
      this.deps.logger.log('error', 'The Kafka consumer crashed; restarting it', {
        component: 'kafka-consumer',
        groupId: options.groupId,
        crashes,
        restartInMs: delayMs,
        error: describeError(error),
      });
      if (refusal !== undefined) this.tellRefusal(options, refusal);
      await abortableDelay(delayMs, this.stopController.signal);
    }
  }

  private tellRefusal(options: ConsumerStartOptions, refusal: AccessRefusal): void {
    try {
      options.onAccessRefused?.(refusal);
    } catch (error) {
      // A throw here would end the supervisor: the consumer would never restart.
      this.deps.logger.log('warn', 'onAccessRefused threw', {
        component: 'kafka-consumer',
        groupId: options.groupId,
        error: describeError(error),
      });
    }
  }

  /**
   * Starts one kafkajs consumer and resolves with the error that ended it (a CRASH event, or a
   * throw from connect, subscribe or run), once it is disconnected; resolves at stop too.
   */
  private async runOnce(options: ConsumerStartOptions, progress: RunProgress): Promise<unknown> {
    const { kafka, consumer: tuning, logger } = this.deps;
    const config = toConsumerConfig(options.groupId, tuning, this.deps.retry);
    const consumer = this.deps.createConsumer?.(kafka, config) ?? kafka.consumer(config);
    const commits = mergedCommits();
    const crashed = this.watch(consumer, options.groupId, progress, commits);
    const stopped = this.stopController.signal;
    let onStop = (): void => undefined;
    const whenStopped = new Promise<undefined>((resolve) => {
      onStop = () => resolve(undefined);
      if (stopped.aborted) onStop();
      else stopped.addEventListener('abort', onStop, { once: true });
    });
    let error: unknown;
    try {
      await consumer.connect();
      if (!stopped.aborted) {
        await consumer.subscribe({ topics: this.topics, fromBeginning: true });
      }
      if (!stopped.aborted) {
        await consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
          eachBatch: createEachBatchHandler({
            groupId: options.groupId,
            handleBatch: options.handleBatch,
            maxBatchSize: tuning.maxBatchSize,
            requireUtf8: tuning.requireUtf8,
            markReplacedBytes: tuning.markReplacedBytes,
            ...(options.redactDeadLetter ? { redactDeadLetter: options.redactDeadLetter } : {}),
            ...(options.onRefused ? { onRefused: options.onRefused } : {}),
            ...(tuning.waitUnderLoad ? { waitUnderLoad: tuning.waitUnderLoad } : {}),
            retry: tuning.handlerRetry,
            heartbeatIntervalMs: tuning.heartbeatIntervalMs,
            sendDeadLetters: (topic, records) => this.deps.deadLetters.sendRecords(topic, records),
            isPaused: () => this.paused,
            waitForResume: (ms) => this.waitForResume(ms),
            ...(this.deps.onHold ? { onHold: this.deps.onHold } : {}),
            stopSignal: stopped,
            delay: abortableDelay,
            now: this.deps.now ?? (() => new Date()),
            logger,
            backlog: this.backlog,
            commits,
            joins: () => this.joins,
            ...(options.onChunk ? { onChunk: options.onChunk } : {}),
          }),
        });
      }
      error = await Promise.race([crashed, whenStopped]);
    } catch (thrown) {
      error = thrown;
    } finally {
      stopped.removeEventListener('abort', onStop);
    }
    // After kafkajs's own crash handling has run to its end (its restart timer is set by then),
    // so that this disconnect cancels that restart: one restart, ours. At stop, this also
    // disconnects a consumer that was still connecting when `stop` disconnected it.
    await new Promise((resolve) => setImmediate(resolve));
    await consumer.disconnect().catch((failure: unknown) => this.logStopError(failure));
    return error;
  }

  private logStopError(error: unknown): void {
    this.deps.logger.log('warn', 'The Kafka consumer did not disconnect cleanly', {
      component: 'kafka-consumer',
      error: describeError(error),
    });
  }

  /**
   * Logs joins and marks membership, notes a fetch that succeeded in `progress`, commits again on
   * each heartbeat what a failed commit left (see mergedCommits: kafkajs may fetch on past it,
   * and an idle partition would never commit it); resolves with the error of its first crash.
   */
  private watch(
    consumer: Consumer,
    groupId: string,
    progress: RunProgress,
    commits: MergedCommits,
  ): Promise<unknown> {
    const { logger, onPoll } = this.deps;
    if (onPoll) consumer.on(consumer.events.FETCH_START, () => onPoll());
    consumer.on(consumer.events.FETCH, () => (progress.fetched = true));
    // kafkajs heartbeats at most once a heartbeat interval, idle or not, and only as a member.
    consumer.on(consumer.events.HEARTBEAT, () => commits.commitOwed());
    // kafkajs hands no batch over when filtering left it empty (control records): it still
    // moves past them, and so does the backlog (a fetch handing over from the next offset on).
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (payload.batchSize !== 0) return;
      const { topic, partition, highWatermark, lastOffset } = payload;
      this.backlog.fetched(topic, partition, Number(highWatermark), Number(lastOffset) + 1);
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.joins++;
      const partitions = Object.values(payload.memberAssignment).reduce(
        (sum, list) => sum + list.length,
        0,
      );
      logger.log('info', 'Joined the consumer group', {
        component: 'kafka-consumer',
        groupId,
        memberId: payload.memberId,
        partitions,
      });
      if (this.state !== 'running') return;
      this.backlog.assigned(payload.memberAssignment);
      this.member = true;
      this.firstJoin?.();
    });
    return new Promise((resolve) => {
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.member = false;
        resolve(payload.error);
      });
    });
  }
}

/** The access refusal a crash's error is (a kafkajs error, or one of its causes), if any. */
function accessRefusalOf(error: unknown): AccessRefusal | undefined {
  const errorType = kafkaErrorCode(error, ACCESS_REFUSAL_CODES);
  return errorType === undefined
    ? undefined
    : { scope: ACCESS_REFUSALS.get(errorType)!, errorType };
}
