import type { IncomingMessage } from '#saga-core';
import type { KafkaTransport } from '#messaging';
import { waitFor } from './wait-for.js';

/** A message as a test consumer received it, with the local time it arrived. */
export interface RecordedMessage extends IncomingMessage {
  /** `Date.now()` when the message reached the test. */
  readonly receivedAt: number;
}

/** Options of {@link recordTopics}. */
export interface RecordTopicsOptions {
  /** The consumer group (one no one else uses: the recorder reads every message from the start). */
  readonly groupId: string;
  /** Called for each message, in log order, after it is recorded; a throw makes the batch come again. */
  readonly onMessage?: (message: RecordedMessage) => void | Promise<void>;
}

/** Everything a test consumer read from some topics, and ways to wait for more. */
export interface TopicRecorder {
  readonly messages: readonly RecordedMessage[];
  /** Waits for the first recorded message that satisfies `predicate`. */
  waitForMessage(
    what: string,
    predicate: (message: RecordedMessage) => boolean,
    timeoutMs?: number,
  ): Promise<RecordedMessage>;
  /** Leaves the group. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Reads `topics` on the real Kafka as a member of its own group, from the oldest message, and
 * records each message with its arrival time. The topics must exist.
 */
export async function recordTopics(
  transport: KafkaTransport,
  topics: readonly string[],
  options: RecordTopicsOptions,
): Promise<TopicRecorder> {
  const messages: RecordedMessage[] = [];
  const consumer = transport.createConsumer({ maxWaitTimeMs: 100 });
  await consumer.start({
    groupId: options.groupId,
    topics,
    async handleBatch(batch) {
      for (const message of batch) {
        const recorded: RecordedMessage = { ...message, receivedAt: Date.now() };
        messages.push(recorded);
        await options.onMessage?.(recorded);
      }
      return { deadLetters: [] };
    },
  });
  return {
    messages,
    waitForMessage: (what, predicate, timeoutMs = 20_000) =>
      waitFor(what, () => messages.find(predicate), { timeoutMs, intervalMs: 10 }),
    stop: () => consumer.stop(),
  };
}
