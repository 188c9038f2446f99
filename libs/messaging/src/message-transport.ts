import type { MessageConsumer, MessagePublisher, TopicAdministrator } from '#saga-core';
import type { ConsumerTuning } from './kafka-transport-options.js';

/** A transport: a publisher, a topic administrator and consumers on demand (Kafka or in-process). */
export interface MessageTransport {
  readonly publisher: MessagePublisher;
  readonly administrator: TopicAdministrator;
  /** A new consumer, batching as `tuning` says (default: the transport's). */
  createConsumer(tuning?: ConsumerTuning): MessageConsumer;
  /** Stops every consumer made here, then the producer. */
  close(): Promise<void>;
}
