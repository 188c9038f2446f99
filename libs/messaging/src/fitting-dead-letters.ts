import type { Message } from 'kafkajs';
import { DEAD_LETTER_HEADER_NAMES, DEAD_LETTER_HEADERS } from '#contracts';
import { cutReason } from './dead-letter.js';
import { sendInFittingHalves } from './fitting-halves.js';
import { refusedAsTooLarge } from './send-refusal.js';

/** Publishes dead-letter records to one topic (acks = all). */
export type SendDeadLetters = (topic: string, records: readonly Message[]) => Promise<void>;

/**
 * Sends dead letters so that their size never holds a partition up (sendInFittingHalves): a
 * single record the broker still refuses as too large goes stripped (strippedDeadLetter). A
 * retry after a failure part-way sends the first records again: the dead-letter index records
 * each original offset once.
 */
export async function sendFittingDeadLetters(
  send: SendDeadLetters,
  topic: string,
  records: readonly Message[],
  onStripped: (record: Message) => void = () => undefined,
): Promise<void> {
  await sendInFittingHalves(
    (part) => send(topic, part),
    records,
    async (record) => {
      await sendStripped(send, topic, record);
      onStripped(record);
    },
  );
}

/** Longest reason a stripped dead letter keeps as a last resort, in characters. */
const SHORT_REASON_LENGTH = 100;

/**
 * The record stripped: with its key, then without it, then with its reason cut short, while
 * the broker refuses each as too large (a few hundred bytes at most, then).
 */
async function sendStripped(send: SendDeadLetters, topic: string, record: Message): Promise<void> {
  const forms = [
    strippedDeadLetter(record, { keepKey: true }),
    strippedDeadLetter(record, { keepKey: false }),
    strippedDeadLetter(record, { keepKey: false, reasonLength: SHORT_REASON_LENGTH }),
  ];
  for (const [index, form] of forms.entries()) {
    try {
      return await send(topic, [form]);
    } catch (error) {
      if (!refusedAsTooLarge(error) || index === forms.length - 1) throw error;
    }
  }
}

/**
 * A dead letter too large for its topic, cut down: its `dlq-*` headers (why, and where the
 * original stays: its topic, partition and offset), `dlq-value-truncated: true`, the key if
 * `keepKey`, and no value nor original headers; the reason cut to `reasonLength` characters
 * if given.
 */
export function strippedDeadLetter(
  record: Message,
  { keepKey, reasonLength }: { keepKey: boolean; reasonLength?: number },
): Message {
  const headers: NonNullable<Message['headers']> = {};
  for (const [name, value] of Object.entries(record.headers ?? {})) {
    if (DEAD_LETTER_HEADER_NAMES.has(name) && value !== undefined) headers[name] = value;
  }
  const reason = headers[DEAD_LETTER_HEADERS.reason];
  if (reasonLength !== undefined && reason !== undefined) {
    headers[DEAD_LETTER_HEADERS.reason] = cutReason(String(reason), reasonLength);
  }
  headers[DEAD_LETTER_HEADERS.valueTruncated] = 'true';
  return { key: keepKey ? (record.key ?? null) : null, value: null, headers };
}
