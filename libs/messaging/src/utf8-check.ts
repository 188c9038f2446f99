import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';
import { HEADERS } from '#contracts';

const CONTRACT_HEADERS: ReadonlySet<string> = new Set(Object.values(HEADERS));

/**
 * Why a consumed record is not text (its key or its value is not valid UTF-8), or undefined.
 * Its headers are judged as they are decoded (decodeHeaders): see contractHeaderProblem.
 */
export function invalidUtf8Problem(message: KafkaMessage): string | undefined {
  if (message.key !== null && !isUtf8(message.key)) return 'the key is not valid UTF-8';
  if (message.value !== null && !isUtf8(message.value)) return 'the value is not valid UTF-8';
  return undefined;
}

/** Whether any of a record's key, value or header values is bytes that are not valid UTF-8. */
export function holdsInvalidUtf8(message: KafkaMessage): boolean {
  if (invalidUtf8Problem(message) !== undefined) return true;
  for (const value of Object.values(message.headers ?? {})) {
    for (const part of Array.isArray(value) ? value : [value]) {
      if (Buffer.isBuffer(part) && !isUtf8(part)) return true;
    }
  }
  return false;
}

/**
 * Why a record is refused for a header `name` that is not valid UTF-8: one of the contract's
 * makes it corrupt; undefined for another (a producer's own binary header), which is left out.
 */
export function contractHeaderProblem(name: string): string | undefined {
  return CONTRACT_HEADERS.has(name) ? `header ${name} is not valid UTF-8` : undefined;
}
