import { randomUUID } from 'node:crypto';

/** One record as our coordinator publishes it: a uuid key, a JSON value, string headers. */
export interface BenchMessage {
  readonly key: string;
  readonly value: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** A consumed record decoded to text, like the port's IncomingMessage. */
export interface DecodedMessage {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

/** Length of every value, in bytes: about the size of our saga commands. */
export const VALUE_BYTES = 400;

/**
 * `count` distinct messages shaped like a saga command: six headers (the names our commands
 * carry) and a ~400-byte JSON value. Built before any measurement, so that the CPU measured is
 * the client's, not the generator's.
 */
export function makeMessages(count: number): BenchMessage[] {
  return Array.from({ length: count }, (_, index) => {
    const sagaId = randomUUID();
    const value = JSON.stringify({
      sagaId,
      stepId: 'reserve-inventory',
      command: 'inventory.reserve',
      payload: {
        orderId: `order-${index}`,
        customerId: `customer-${index % 97}`,
        items: [
          { sku: 'apple', quantity: 2 },
          { sku: 'pear', quantity: 1 },
        ],
        amount: 42.5,
        currency: 'EUR',
      },
      issuedAt: new Date(1_700_000_000_000 + index).toISOString(),
      padding: '',
    });
    if (value.length > VALUE_BYTES) throw new RangeError(`a value has ${value.length} bytes`);
    return {
      key: sagaId,
      // Padded with spaces inside the padding field, so the value stays valid JSON.
      value: value.replace('"padding":""', `"padding":"${' '.repeat(VALUE_BYTES - value.length)}"`),
      headers: {
        'saga-message-id': randomUUID(),
        'saga-id': sagaId,
        'saga-type': 'order',
        'saga-step-id': 'reserve-inventory',
        'saga-message-type': 'inventory.reserve',
        traceparent: `00-${randomUUID().replaceAll('-', '')}-${randomUUID().slice(0, 18).replaceAll('-', '')}-01`,
      },
    };
  });
}
