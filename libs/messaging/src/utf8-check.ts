import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';

/** Why a consumed record is not text (its key, value or a header is not valid UTF-8), or undefined. */
export function invalidUtf8Problem(message: KafkaMessage): string | undefined {
  if (message.key !== null && !isUtf8(message.key)) return 'the key is not valid UTF-8';
  if (message.value !== null && !isUtf8(message.value)) return 'the value is not valid UTF-8';
  for (const [name, header] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(header) ? header : [header];
    for (const value of values) {
      if (Buffer.isBuffer(value) && !isUtf8(value)) return `header ${name} is not valid UTF-8`;
    }
  }
  return undefined;
}
