import type { Message } from 'kafkajs';
import { DEAD_LETTER_HEADERS } from '#contracts';
import { refusedAsTooLarge } from './send-refusal.js';

/** Publishes dead-letter records to one topic (acks = all). */
export type SendDeadLetters = (topic: string, records: readonly Message[]) => Promise<void>;

/**
 * Sends dead letters so that their size never holds a partition up: records the broker refuses
 * as too large (a partition's batch past `max.message.bytes`, or one record) are sent again in
 * halves, in their order, and a single record it still refuses goes as its stub (deadLetterStub).
 * Any other failure is thrown, for the caller to retry. A retry after a failure part-way sends
 * the first records again: the dead-letter index records each original offset once.
 */
export async function sendFittingDeadLetters(
  send: SendDeadLetters,
  topic: string,
  records: readonly Message[],
): Promise<void> {
  try {
    await send(topic, records);
  } catch (error) {
    if (!refusedAsTooLarge(error)) throw error;
    if (records.length > 1) {
      const half = Math.ceil(records.length / 2);
      await sendFittingDeadLetters(send, topic, records.slice(0, half));
      await sendFittingDeadLetters(send, topic, records.slice(half));
      return;
    }
    await sendStub(send, topic, records[0]!);
  }
}

/** The stub of a record, with its key; without it too if the broker refuses that as too large. */
async function sendStub(send: SendDeadLetters, topic: string, record: Message): Promise<void> {
  try {
    await send(topic, [deadLetterStub(record, true)]);
  } catch (error) {
    if (!refusedAsTooLarge(error)) throw error;
    await send(topic, [deadLetterStub(record, false)]);
  }
}

/**
 * A dead letter too large for its topic, cut down: its `dlq-*` headers (why, and where the
 * original stays: its topic, partition and offset), `dlq-value-truncated: true`, the key if
 * `keepKey`, and no value nor original headers.
 */
export function deadLetterStub(record: Message, keepKey: boolean): Message {
  const headers: NonNullable<Message['headers']> = {};
  for (const name of Object.values(DEAD_LETTER_HEADERS)) {
    const value = record.headers?.[name];
    if (value !== undefined) headers[name] = value;
  }
  headers[DEAD_LETTER_HEADERS.valueTruncated] = 'true';
  return { key: keepKey ? (record.key ?? null) : null, value: null, headers };
}
