import type { MessagePublisher, OutgoingMessage } from '#saga-core';

/**
 * The error kafkajs throws for a send to a topic the broker does not host, once its retries
 * are spent: a never-sendable code under `cause`.
 */
export function unknownTopicError(): Error {
  const cause = Object.assign(new Error('This server does not host this topic-partition'), {
    name: 'KafkaJSProtocolError',
    type: 'UNKNOWN_TOPIC_OR_PARTITION',
    retriable: true,
  });
  return Object.assign(new Error(cause.message), {
    name: 'KafkaJSNumberOfRetriesExceeded',
    cause,
  });
}

/**
 * Records what it is asked to publish, answering as a broker would: refuses everything while
 * `down` (a transient failure), and a whole call holding a message to one of `missing` as
 * kafkajs does for an unknown topic.
 */
export class RecordingPublisher implements MessagePublisher {
  readonly published: OutgoingMessage[] = [];
  /** The topics of each call, published or not, in order. */
  readonly calls: string[][] = [];
  down = false;
  readonly missing = new Set<string>();
  /** Run at each call before it answers (a slow broker, a clock to move). */
  beforeAnswer: () => Promise<void> | void = () => undefined;

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    this.calls.push([...new Set(messages.map((message) => message.topic))]);
    await this.beforeAnswer();
    if (this.down) throw new Error('broker unreachable');
    if (messages.some((message) => this.missing.has(message.topic))) throw unknownTopicError();
    this.published.push(...messages);
  }
}
