import type { IHeaders, KafkaMessage, Message, TopicMessages } from 'kafkajs';
import { DEAD_LETTER_HEADER_NAMES } from '#contracts';
import { deadLetterHeaders, type DeadLetterOrigin } from './dead-letter.js';
import type { IncomingMessage, OutgoingMessage } from '#saga-core';

function text(value: Buffer | string): string {
  return typeof value === 'string' ? value : value.toString('utf8');
}

/** Kafka headers as text; a header sent more than once keeps its last value. */
export function decodeHeaders(headers: IHeaders | undefined): Record<string, string> {
  const decoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    const last = Array.isArray(value) ? value[value.length - 1] : value;
    if (last !== undefined) decoded[name] = text(last);
  }
  return decoded;
}

/** A consumed Kafka record as the port's IncomingMessage (no partition, no offset). */
export function toIncomingMessage(topic: string, message: KafkaMessage): IncomingMessage {
  return {
    topic,
    key: message.key === null ? null : text(message.key),
    headers: decodeHeaders(message.headers),
    value: message.value === null ? null : text(message.value),
  };
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
 * truncated value it does not have).
 */
export function toDeadLetterRecord(message: KafkaMessage, origin: DeadLetterOrigin): Message {
  const headers: NonNullable<Message['headers']> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!DEAD_LETTER_HEADER_NAMES.has(name)) headers[name] = value;
  }
  return {
    key: message.key,
    value: message.value,
    headers: { ...headers, ...deadLetterHeaders(origin) },
  };
}
