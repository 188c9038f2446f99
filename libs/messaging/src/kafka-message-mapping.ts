import { isUtf8 } from 'node:buffer';
import type { IHeaders, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import { DEAD_LETTER_HEADER_NAMES } from '#contracts';
import { deadLetterHeaders, type DeadLetterOrigin } from './dead-letter.js';
import type { IncomingMessage, OutgoingMessage } from '#saga-core';

function text(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** One value of a header as kafkajs decodes it: null for one written without a value (length -1). */
type HeaderPart = Buffer | string | null | undefined;

/** A header as kafkajs decodes it: its value, or its values when it was sent more than once. */
type HeaderValue = HeaderPart | HeaderPart[];

/**
 * Kafka headers as text; a header sent more than once keeps its last value. A header without a
 * value (kafkajs decodes it as null: Java's `new RecordHeader(name, null)`) counts as absent.
 * With `notText`, so does one with a value that is not valid UTF-8 (a producer's own binary
 * header), whose name it is told; without it, bad bytes read as U+FFFD.
 */
export function decodeHeaders(
  headers: IHeaders | undefined,
  notText?: (name: string) => void,
): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    const last = lastValue(value);
    if (last === undefined) continue;
    if (notText !== undefined && !isText(value)) {
      notText(name);
      continue;
    }
    decoded[name] = text(last);
  }
  return decoded;
}

/** Whether every value of a header is text (a string, or bytes that are valid UTF-8). */
function isText(value: HeaderValue): boolean {
  if (!Array.isArray(value)) return !Buffer.isBuffer(value) || isUtf8(value);
  return value.every((part) => !Buffer.isBuffer(part) || isUtf8(part));
}

/** The last value of a header that has one, or undefined. */
function lastValue(value: HeaderValue): Buffer | string | undefined {
  if (!Array.isArray(value)) return value ?? undefined;
  for (let index = value.length - 1; index >= 0; index--) {
    const part = value[index];
    if (part !== null && part !== undefined) return part;
  }
  return undefined;
}

/**
 * A consumed Kafka record as the port's IncomingMessage (no partition, no offset); with
 * `notText`, without its headers that are not valid UTF-8 (see decodeHeaders).
 */
export function toIncomingMessage(
  topic: string,
  message: KafkaMessage,
  notText?: (name: string) => void,
): IncomingMessage {
  return {
    topic,
    key: message.key === null ? null : text(message.key),
    headers: decodeHeaders(message.headers, notText),
    value: message.value === null ? null : text(message.value),
  };
}

/** A header without its null values, as kafkajs can write it; undefined when none is left. */
function withoutNulls(value: HeaderValue): IHeaders[string] {
  if (!Array.isArray(value)) return value ?? undefined;
  const parts = value.filter((part) => part !== null && part !== undefined);
  return parts.length === 0 ? undefined : parts;
}

/** Checks one outgoing message; throws a TypeError naming what is wrong (never its content). */
export function assertOutgoingMessage(message: OutgoingMessage, index: number): void {
  if (typeof message.topic !== 'string' || message.topic === '') {
    throw new TypeError(`message #${index}: topic must be a non-empty string`);
  }
  if (typeof message.key !== 'string') {
    throw new TypeError(`message #${index} to ${message.topic}: key must be a string`);
  }
  if (typeof message.value !== 'string') {
    throw new TypeError(`message #${index} to ${message.topic}: value must be JSON text`);
  }
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (typeof value !== 'string') {
      throw new TypeError(`message #${index} to ${message.topic}: header ${name} is not a string`);
    }
  }
}

/** Groups messages per topic for kafkajs `sendBatch`, keeping their order within each topic. */
export function toTopicMessages(messages: readonly OutgoingMessage[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  messages.forEach((message, index) => {
    assertOutgoingMessage(message, index);
    let list = byTopic.get(message.topic);
    if (!list) byTopic.set(message.topic, (list = []));
    list.push({ key: message.key, value: message.value, headers: { ...message.headers } });
  });
  return [...byTopic.entries()].map(([topic, list]) => ({ topic, messages: list }));
}

/**
 * The record to write to the dead-letter topic: the original key, value and headers byte for
 * byte (repeated headers included), plus the dead-letter headers; `dlq-*` headers of the
 * original are dropped (one it carried would speak for this dead letter: a redacted or
 * truncated value it does not have), and so is a header value that is null: kafkajs cannot
 * write one (it throws, and the dead letter would be retried for ever), and decodeHeaders takes
 * it for absent all the same.
 */
export function toDeadLetterRecord(message: KafkaMessage, origin: DeadLetterOrigin): Message {
  const headers: NonNullable<Message['headers']> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (DEAD_LETTER_HEADER_NAMES.has(name)) continue;
    const kept = withoutNulls(value);
    if (kept !== undefined) headers[name] = kept;
  }
  return {
    key: message.key,
    value: message.value,
    headers: { ...headers, ...deadLetterHeaders(origin) },
  };
}
