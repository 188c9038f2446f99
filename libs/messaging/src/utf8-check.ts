import { isUtf8 } from 'node:buffer';
import type { KafkaMessage } from 'kafkajs';

/**
 * Why a consumed record is not text (its key or value is not valid UTF-8), or undefined. Its
 * headers are not judged here: one that is not text is left out (see decodeHeaders).
 */
export function invalidUtf8Problem(message: KafkaMessage): string | undefined {
  if (message.key !== null && !isUtf8(message.key)) return 'the key is not valid UTF-8';
  if (message.value !== null && !isUtf8(message.value)) return 'the value is not valid UTF-8';
  return undefined;
}
