import type { Kafka } from 'kafkajs';
import { createKafkaLogCreator, toKafkaLogLevel } from './kafka-log-creator.js';
import { KafkaMessageConsumer, type KafkaConsumerFactory } from './kafka-message-consumer.js';
import { KafkaMessagePublisher } from './kafka-message-publisher.js';
import { KafkaTopicAdministrator } from './kafka-topic-administrator.js';
import {
  describeKafkaTransport,
  resolveConsumerOptions,
  resolveKafkaTransportOptions,
  toKafkaConfig,
  type KafkaConsumerOptions,
  type KafkaTransportOptions,
  type ResolvedKafkaTransportOptions,
} from './kafka-transport-options.js';
import { jsonLinesTransportLogger, type TransportLogger } from './transport-logger.js';
import { kafkaClient } from './kafka-client.js';

/** Collaborators of the Kafka transport; all optional. */
export interface KafkaTransportDependencies {
  /** Where the transport and kafkajs log (default: JSON lines on stdout/stderr). */
  readonly logger?: TransportLogger;
  /** The clock of `failed-at` dead-letter headers (default: the system clock). */
  readonly now?: () => Date;
  /** Makes each kafkajs consumer (default: `kafka.consumer(config)`); tests inject failures here. */
  readonly consumerFactory?: KafkaConsumerFactory;
}

/** Per-consumer settings: overrides of the transport's consumer defaults, and hooks for tests. */
export interface CreateKafkaConsumerOptions extends KafkaConsumerOptions {
  /** Called each time the consumer starts a fetch (tests that wait for a poll). */
  readonly onPoll?: () => void;
  /** Called when a fetched batch starts to wait for a resume (tests that wait for a paused consumer). */
  readonly onHold?: () => void;
}

/**
 * The kafkajs transport: one client, one idempotent producer shared by the publisher and the
 * consumers' dead letters, a topic administrator, and consumers made on demand.
 */
export class KafkaTransport {
  readonly publisher: KafkaMessagePublisher;
  readonly administrator: KafkaTopicAdministrator;
  readonly options: ResolvedKafkaTransportOptions;
  private readonly kafka: Kafka;
  private readonly logger: TransportLogger;
  private readonly consumers = new Set<KafkaMessageConsumer>();

  constructor(
    options: KafkaTransportOptions,
    private readonly deps: KafkaTransportDependencies = {},
  ) {
    this.options = resolveKafkaTransportOptions(options);
    this.logger = deps.logger ?? jsonLinesTransportLogger;
    this.kafka = kafkaClient({
      ...toKafkaConfig(this.options),
      logLevel: toKafkaLogLevel(this.options.logLevel),
      logCreator: createKafkaLogCreator(this.logger),
    });
    this.publisher = new KafkaMessagePublisher(this.kafka, this.options, this.logger);
    this.administrator = new KafkaTopicAdministrator(
      this.kafka,
      this.options.replicationFactor,
      this.logger,
    );
  }

  /** A summary of the connection settings that is safe to log (no credentials). */
  describe(): ReturnType<typeof describeKafkaTransport> {
    return describeKafkaTransport(this.options);
  }

  /** The consumers made here and not yet stopped: a gauge that stays flat unless owners leak. */
  get liveConsumerCount(): number {
    return this.consumers.size;
  }

  /**
   * A new consumer (not started); `close()` stops it if it is still running. Kept only until it
   * has stopped: an owner that replaces its consumers (the dead-letter index) leaves none behind.
   */
  createConsumer(options: CreateKafkaConsumerOptions = {}): KafkaMessageConsumer {
    const { onPoll, onHold, ...tuning } = options;
    const consumer = new KafkaMessageConsumer({
      kafka: this.kafka,
      consumer: resolveConsumerOptions(tuning, this.options.consumer),
      retry: this.options.retry,
      deadLetters: this.publisher,
      logger: this.logger,
      ...(this.deps.now ? { now: this.deps.now } : {}),
      ...(onPoll ? { onPoll } : {}),
      ...(onHold ? { onHold } : {}),
      ...(this.deps.consumerFactory ? { createConsumer: this.deps.consumerFactory } : {}),
      onStopped: () => this.consumers.delete(consumer),
    });
    this.consumers.add(consumer);
    return consumer;
  }

  /**
   * Stops every consumer made here (each finishes its batch in hand), then the producer. One
   * stopping when this is called is still here, and is waited for: its dead letters go out first.
   */
  async close(): Promise<void> {
    // Each stopped consumer takes itself out of the set (onStopped).
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    await this.publisher.close();
  }
}
