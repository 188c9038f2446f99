// Hostile Kafka messages (fast-check) on the coordinator's two inbound topics, on the real
// broker and Postgres: bad JSON, wrong schema, unknown fields, oversized, empty, wrong headers.
// Every one ends in the topic's dead-letter topic with a reason; no saga is created; the
// consumers keep going (a valid start afterwards runs).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { Kafka, logLevel } from 'kafkajs';
import { DEAD_LETTER_HEADERS, HEADERS, MESSAGE_TYPES } from '#contracts';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { kafkaBrokers } from '../../support/services.js';
import { readTopics, type TopicRecord } from '../../support/topic-reader.js';
import { waitFor } from '../../support/wait-for.js';

const PER_TOPIC = 520;

interface Hostile {
  readonly value: string | null;
  readonly headers: Record<string, string>;
}

const orderInput = {
  orderId: 'o-1',
  customerId: 'c-1',
  items: [{ sku: 's', quantity: 1 }],
  amount: 5,
  currency: 'EUR',
};
const validStart = () => ({ sagaType: 'order', idempotencyKey: randomUUID(), input: orderInput });
const validReply = () => ({
  messageId: randomUUID(),
  sagaId: randomUUID(),
  stepId: 'reserve-inventory',
  action: 'execute',
  attempt: 1,
  outcome: { status: 'success', result: { reservationId: 'r-1' } },
  repliedAt: new Date().toISOString(),
});

const notJson = fc.string({ maxLength: 300 }).filter((text) => {
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
});
const plain = (value: string | null): Hostile => ({ value, headers: {} });

/** Hostile messages for a topic whose valid body `valid()` builds, of message type `type`. */
function hostile(valid: () => Record<string, unknown>, type: string): fc.Arbitrary<Hostile> {
  return fc.oneof(
    notJson.map(plain),
    fc.jsonValue({ maxDepth: 3 }).map((value) => plain(JSON.stringify(value))),
    // A valid body with one field too many (no mass assignment).
    fc
      .string({ minLength: 1, maxLength: 20 })
      .map((key) => plain(JSON.stringify({ ...valid(), [`x-${key}`]: true }))),
    // A valid body with one field of the wrong type.
    fc
      .constantFrom(...Object.keys(valid()))
      .map((key) => plain(JSON.stringify({ ...valid(), [key]: { wrong: [1, 2] } }))),
    // A valid body under contradicting headers.
    fc
      .constantFrom<Record<string, string>>(
        {
          [HEADERS.messageType]:
            type === MESSAGE_TYPES.start ? MESSAGE_TYPES.reply : MESSAGE_TYPES.command,
        },
        { [HEADERS.contentType]: 'text/plain' },
        { [HEADERS.schemaVersion]: '99' },
      )
      .map((headers) => ({ value: JSON.stringify(valid()), headers })),
    fc.constant(plain(null)),
    fc.constant(plain('')),
  );
}

describe('hostile Kafka messages', () => {
  let environment: CoordinatorEnvironment;
  let runtime: CoordinatorRuntime;

  beforeAll(async () => {
    environment = await createEnvironment('it_kafka_fuzz');
    runtime = await startCoordinator(environment, { MAX_CONTEXT_BYTES: '4096' });
  });

  afterAll(async () => {
    await runtime?.stop();
    await environment?.dispose();
  });

  async function publish(topic: string, messages: readonly (Hostile & { key: string })[]) {
    const kafka = new Kafka({
      clientId: 'fuzz',
      brokers: kafkaBrokers(),
      logLevel: logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let i = 0; i < messages.length; i += 100) {
        await producer.send({
          topic,
          messages: messages
            .slice(i, i + 100)
            .map((m) => ({ key: m.key, value: m.value, headers: m.headers })),
        });
      }
    } finally {
      await producer.disconnect();
    }
  }

  it(`dead-letters ${PER_TOPIC * 2} malformed messages with a reason and starts no saga`, async () => {
    const { topics } = runtime;
    const starts = fc.sample(hostile(validStart, MESSAGE_TYPES.start), {
      numRuns: PER_TOPIC,
      seed: 7,
    });
    const replies = fc.sample(hostile(validReply, MESSAGE_TYPES.reply), {
      numRuns: PER_TOPIC,
      seed: 8,
    });
    // Oversized: an input that fits its schema but not the 4 KiB context cap, a reply over the
    // cap, and an input over the contract's limit of a serialised value.
    const huge = 'x'.repeat(200_000);
    const items = Array.from({ length: 100 }, (_, i) => ({
      sku: `${i}`.padEnd(100, 's'),
      quantity: 1,
    }));
    starts.push(plain(JSON.stringify({ ...validStart(), input: { ...orderInput, items } })));
    starts.push(plain(JSON.stringify({ ...validStart(), input: { blob: huge } })));
    replies.push(
      plain(JSON.stringify({ ...validReply(), outcome: { status: 'success', result: huge } })),
    );
    const keyed = (list: Hostile[], prefix: string) =>
      list.map((message, index) => ({ ...message, key: `${prefix}-${index}` }));
    const sentStarts = keyed(starts, 'start');
    const sentReplies = keyed(replies, 'reply');
    await publish(topics.start, sentStarts);
    await publish(topics.replies, sentReplies);

    const deadLetters = await waitFor(
      'every hostile message in a dead-letter topic',
      async () => {
        const records = await readTopics([
          topics.deadLetter(topics.start),
          topics.deadLetter(topics.replies),
        ]);
        const keys = new Set(records.map((record) => record.key));
        return [...sentStarts, ...sentReplies].every((m) => keys.has(m.key)) ? records : undefined;
      },
      { timeoutMs: 120_000, intervalMs: 1_000 },
    );
    const reasons = new Map<string, TopicRecord>(deadLetters.map((r) => [r.key ?? '', r]));
    for (const record of reasons.values()) {
      expect(record.headers[DEAD_LETTER_HEADERS.reason]?.length).toBeGreaterThan(0);
    }
    expect(reasons.size).toBe(sentStarts.length + sentReplies.length);
    expect(reasons.get(`start-${PER_TOPIC}`)?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(
      /larger than/,
    );
    expect(reasons.get(`reply-${PER_TOPIC}`)?.headers[DEAD_LETTER_HEADERS.reason]).toMatch(
      /larger than/,
    );

    const [count] = await environment.db.query<{ n: string }[]>(`SELECT count(*) AS n FROM sagas`);
    expect(Number(count?.n)).toBe(0);
    expect(runtime.isConsuming()).toBe(true);
  }, 300_000);

  it('still starts a valid saga afterwards: no partition is stuck', async () => {
    await publish(runtime.topics.start, [
      { key: 'valid', value: JSON.stringify(validStart()), headers: {} },
    ]);
    await waitFor(
      'the valid saga',
      async () => {
        const [row] = await environment.db.query<{ n: string }[]>(
          `SELECT count(*) AS n FROM sagas`,
        );
        return Number(row?.n) === 1 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }, 90_000);
});
