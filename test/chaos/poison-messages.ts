// Malformed and poison messages for a chaos run: bytes no schema accepts, and well-formed JSON
// that carries what Postgres cannot store (`\u0000`, a lone surrogate). Each is marked with
// MALFORMED_MARK so the checks can find it on a dead-letter topic.
import { HEADERS } from '#contracts';
import type { RawRecord } from '../support/topic-reader.js';
import { MALFORMED_MARK } from './chaos-checks.js';

/** The kinds, cycled through: each message is one of these on one of the topics. */
export const POISON_KINDS = [
  'not-json',
  'wrong-shape',
  'null-value',
  'nul-character',
  'lone-surrogate',
  'raw-bytes',
] as const;

/** `count` poison messages spread over `topics` and POISON_KINDS. */
export function poisonMessages(topics: readonly string[], count: number): RawRecord[] {
  return Array.from({ length: count }, (_, n) => {
    const topic = topics[n % topics.length]!;
    const kind = POISON_KINDS[Math.floor(n / topics.length) % POISON_KINDS.length]!;
    const id = `junk-${n}`;
    return {
      topic,
      key: id,
      headers: { [MALFORMED_MARK]: `${topic}#${n}`, [HEADERS.messageId]: id },
      value: poisonValue(kind, id),
    };
  });
}

function poisonValue(kind: (typeof POISON_KINDS)[number], id: string): string | Buffer | null {
  // A start that would pass every check but for the character the database refuses.
  const start = (text: string) =>
    JSON.stringify({
      sagaType: 'order',
      idempotencyKey: id,
      input: {
        orderId: text,
        customerId: 'c-1',
        items: [{ sku: 'apple', quantity: 1 }],
        amount: 10,
        currency: 'EUR',
      },
    });
  switch (kind) {
    case 'not-json':
      return '{not json';
    case 'wrong-shape':
      return JSON.stringify({ hello: 'world' });
    case 'null-value':
      return null;
    case 'nul-character':
      return start(`order\u0000${id}`);
    case 'lone-surrogate':
      return start(`order\ud800${id}`);
    case 'raw-bytes':
      return Buffer.from([0x7b, 0x00, 0xff, 0xfe, 0x7d]);
  }
}
