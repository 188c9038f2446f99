import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';

/** Why a consumed record is not text (its key, value or a header is not valid UTF-8), or undefined. */
export function invalidUtf8Problem(message: KafkaMessage): string | undefined {
  if (message.key !== null && !isUtf8(message.key)) return 'the key is not valid UTF-8';
  if (message.value !== null && !isUtf8(message.value)) return 'the value is not valid UTF-8';
  const headers = message.headers;
  // Loops over the names, not Object.entries: this runs for every record consumed.
  for (const name in headers) {
    const header = headers[name];
    const text = Array.isArray(header) ? header.every(isText) : isText(header);
    if (!text) return `header ${name} is not valid UTF-8`;
  }
  return undefined;
}

const isText = (value: unknown): boolean => !Buffer.isBuffer(value) || isUtf8(value);
