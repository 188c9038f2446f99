import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';
import { HEADERS } from '#contracts';

const CONTRACT_HEADERS: readonly string[] = Object.values(HEADERS);

/**
 * Why a consumed record is not text (its key, its value or one of the contract's headers is not
 * valid UTF-8), or undefined. Another header that is not text is left out (see decodeHeaders):
 * a producer's own binary header costs no message.
 */
export function invalidUtf8Problem(message: KafkaMessage): string | undefined {
  if (message.key !== null && !isUtf8(message.key)) return 'the key is not valid UTF-8';
  if (message.value !== null && !isUtf8(message.value)) return 'the value is not valid UTF-8';
  const headers = message.headers;
  if (headers === undefined) return undefined;
  for (const name of CONTRACT_HEADERS) {
    const header = headers[name];
    const text = Array.isArray(header) ? header.every(isText) : isText(header);
    if (!text) return `header ${name} is not valid UTF-8`;
  }
  return undefined;
}

const isText = (value: unknown): boolean => !Buffer.isBuffer(value) || isUtf8(value);
