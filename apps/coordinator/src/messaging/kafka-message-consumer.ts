import type { Consumer, Kafka } from 'kafkajs';
import { createEachBatchHandler } from './kafka-batch-processor.js';
import type { KafkaRecordSender } from './kafka-message-publisher.js';
import {
  toConsumerConfig,
  type ResolvedKafkaConsumerOptions,
  type ResolvedKafkaRetry,
} from './kafka-transport-options.js';
import { abortableDelay } from './retry-backoff.js';
import { assertTopicName } from './topic-specs.js';
import { errorMessage, type TransportLogger } from './transport-logger.js';
import type { ConsumerStartOptions, MessageConsumer } from '#saga-core';

/** What a KafkaMessageConsumer is built from (KafkaTransport.createConsumer fills it in). */
export interface KafkaMessageConsumerDependencies {
  readonly kafka: Kafka;
  readonly consumer: ResolvedKafkaConsumerOptions;
  readonly retry: ResolvedKafkaRetry;
  /** Where dead letters are published (the transport's producer). */
  readonly deadLetters: KafkaRecordSender;
  readonly logger: TransportLogger;
  /** The time written in `failed-at` headers (default: the system clock). */
  readonly now?: () => Date;
  /** Called each time the consumer starts a fetch: for liveness metrics, and tests that wait for a poll. */
  readonly onPoll?: () => void;
}

type State = 'new' | 'starting' | 'running' | 'stopped';

/**
 * The kafkajs adapter of MessageConsumer: one kafkajs consumer in one group, `eachBatch` with
 * manual commits (see createEachBatchHandler), reading from the earliest offset when the group
 * has none. Pause and resume act on every subscribed topic.
 */
export class KafkaMessageConsumer implements MessageConsumer {
  private state: State = 'new';
  private consumer: Consumer | undefined;
  private topics: string[] = [];
  private paused = false;
  private stopping: Promise<void> | undefined;
  private readonly stopController = new AbortController();

  constructor(private readonly deps: KafkaMessageConsumerDependencies) {}

  async start(options: ConsumerStartOptions): Promise<void> {
    if (this.state !== 'new') throw new Error('a consumer can be started once');
    if (typeof options.groupId !== 'string' || options.groupId.trim() === '') {
      throw new TypeError('groupId must be a non-empty string');
    }
    if (options.topics.length === 0) throw new TypeError('topics must name at least one topic');
    options.topics.forEach(assertTopicName);
    this.state = 'starting';
    this.topics = [...new Set(options.topics)];
    const { kafka, consumer: tuning, logger } = this.deps;
    const consumer = kafka.consumer(toConsumerConfig(options.groupId, tuning, this.deps.retry));
    this.consumer = consumer;
    const joined = this.watch(consumer, options.groupId);
    joined.catch(() => undefined); // awaited below; a crash before that must not go unhandled
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics, fromBeginning: true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: tuning.partitionsConsumedConcurrently,
        eachBatch: createEachBatchHandler({
          groupId: options.groupId,
          handleBatch: options.handleBatch,
          maxBatchSize: tuning.maxBatchSize,
          requireUtf8: tuning.requireUtf8,
          retry: tuning.handlerRetry,
          heartbeatIntervalMs: tuning.heartbeatIntervalMs,
          sendDeadLetters: (topic, records) => this.deps.deadLetters.sendRecords(topic, records),
          isPaused: () => this.paused,
          stopSignal: this.stopController.signal,
          delay: abortableDelay,
          now: this.deps.now ?? (() => new Date()),
          logger,
        }),
      });
      await joined;
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      this.state = 'stopped';
      throw error;
    }
    if (this.state !== 'starting') return; // stopped while starting
    this.state = 'running';
    if (this.paused) this.applyPause();
  }

  pause(): void {
    this.paused = true;
    this.applyPause();
  }

  resume(): void {
    this.paused = false;
    this.applyPause();
  }

  stop(): Promise<void> {
    this.stopping ??= this.disconnect();
    return this.stopping;
  }

  private async disconnect(): Promise<void> {
    this.state = 'stopped';
    this.stopController.abort();
    await this.consumer?.disconnect();
  }

  /**
   * Tells kafkajs to stop or restart fetching. While kafkajs restarts after a crash it has no
   * group to pause and throws; the flag is enough then: the restarted consumer forgets pauses,
   * and the batch handler pauses each partition it is handed while the flag is set.
   */
  private applyPause(): void {
    if (this.state !== 'running' || !this.consumer) return;
    try {
      if (this.paused) this.consumer.pause(this.topicList());
      else this.consumer.resume(this.topicList());
    } catch (error) {
      this.deps.logger.log('debug', 'kafkajs could not apply pause/resume now', {
        component: 'kafka-consumer',
        paused: this.paused,
        error: errorMessage(error),
      });
    }
  }

  private topicList(): { topic: string }[] {
    return this.topics.map((topic) => ({ topic }));
  }

  /** Logs joins and crashes; resolves on the first join, rejects if the first start crashes. */
  private watch(consumer: Consumer, groupId: string): Promise<void> {
    const { logger, onPoll } = this.deps;
    if (onPoll) consumer.on(consumer.events.FETCH_START, () => onPoll());
    return new Promise((resolve, reject) => {
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
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
        resolve();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        logger.log('error', 'The Kafka consumer crashed', {
          component: 'kafka-consumer',
          groupId,
          restart: payload.restart,
          error: errorMessage(payload.error),
        });
        reject(payload.error);
      });
    });
  }
}
