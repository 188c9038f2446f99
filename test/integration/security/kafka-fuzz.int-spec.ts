// Hostile Kafka messages (fast-check) on the coordinator's two inbound topics, on the real
// broker and Postgres: bad JSON, wrong schema, unknown fields, oversized, empty, wrong headers,
// and bytes the database refuses (`\u0000`, lone surrogates, raw 0x00 bytes, invalid UTF-8) in
// keys, headers and values. Every one ends in the topic's dead-letter topic with a reason and is
// recorded by the dead-letter indexer; no saga is created; the consumers keep going (a valid
// start afterwards runs).
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { DEAD_LETTER_HEADERS, HEADERS, MESSAGE_TYPES } from '#contracts';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { publishRaw, readTopics, type TopicRecord } from '../../support/topic-reader.js';
import { waitFor } from '../../support/wait-for.js';

const PER_TOPIC = 520;

interface Hostile {
  readonly value: string | Buffer | null;
  readonly headers: Record<string, string | Buffer>;
  /** Bytes after the key that identifies the message (which stays unique once decoded). */
  readonly keySuffix?: Buffer;
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
const plain = (value: string | Buffer | null): Hostile => ({ value, headers: {} });

/** Text Postgres refuses in text and jsonb: U+0000 and UTF-16 surrogates without their pair. */
const unstorable = fc.constantFrom('\u0000', '\ud800', '\udfff', 'a\u0000', '\udc00\ud800');
/** A raw 0x00 byte, or bytes that are not UTF-8 (a lone continuation, an encoded surrogate, ...). */
const rawBytes = fc.constantFrom(
  Buffer.from([0x00]),
  Buffer.from([0xff]),
  Buffer.from([0xc3, 0x28]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xf8, 0x88, 0x80, 0x80, 0x80]),
  Buffer.from([0x61, 0x00, 0x80]),
);
const notUtf8 = rawBytes.filter((bytes) => !bytes.equals(Buffer.from([0x00])));

/** The paths of the string leaves of `value`. */
function stringPaths(value: unknown, path: string[] = []): string[][] {
  if (typeof value === 'string') return [path];
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => stringPaths(child, [...path, key]));
}

/** A copy of `body` whose `pick`-th string leaf is replaced by `replace(old)`. */
function withString(body: Record<string, unknown>, pick: number, replace: (old: string) => string) {
  const copy = structuredClone(body);
  const paths = stringPaths(copy);
  const path = paths[pick % paths.length]!;
  let parent = copy as Record<string, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
  const last = path.at(-1)!;
  parent[last] = replace(parent[last] as string);
  return copy;
}

/** Bodies of `valid()` with what the database refuses in one of their strings. */
function unstorableBodies(valid: () => Record<string, unknown>): fc.Arbitrary<Hostile> {
  const MARK = '\u2063MARK\u2063';
  return fc.oneof(
    // `\u0000` or a lone surrogate, as the JSON escape a sender's serialiser writes.
    fc
      .tuple(fc.nat(), unstorable)
      .map(([pick, poison]) =>
        plain(JSON.stringify(withString(valid(), pick, (old) => old + poison))),
      ),
    // Raw bytes inside a string of the JSON text.
    fc.tuple(fc.nat(), rawBytes).map(([pick, bytes]) => {
      const [before, after] = JSON.stringify(withString(valid(), pick, (old) => old + MARK)).split(
        MARK,
      ) as [string, string];
      return plain(Buffer.concat([Buffer.from(before), bytes, Buffer.from(after)]));
    }),
    // A poison body under a header and a key holding raw bytes.
    fc.tuple(fc.nat(), unstorable, rawBytes, rawBytes).map(([pick, poison, header, key]) => ({
      value: JSON.stringify(withString(valid(), pick, (old) => poison + old)),
      headers: { 'x-fuzz': header },
      keySuffix: key,
    })),
  );
}

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
    // A valid body under a contract header holding a raw 0x00 byte or bytes that are not UTF-8.
    fc
      .tuple(fc.constantFrom(HEADERS.messageType, HEADERS.contentType), rawBytes)
      .map(([name, bytes]) => ({
        value: JSON.stringify(valid()),
        headers: { [name]: Buffer.concat([Buffer.from(type), bytes]) },
      })),
    // A valid body under a key that is not UTF-8. (An extra header that is not is left out, and
    // its message taken: poison-messages.int-spec.)
    notUtf8.map((bytes) => ({ value: JSON.stringify(valid()), headers: {}, keySuffix: bytes })),
    unstorableBodies(valid),
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

  const publish = (topic: string, messages: readonly (Hostile & { key: Buffer })[]) =>
    publishRaw(messages.map((m) => ({ topic, key: m.key, value: m.value, headers: m.headers })));

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
      list.map((message, index) => ({
        ...message,
        key: Buffer.concat([
          Buffer.from(`${prefix}-${index}`),
          message.keySuffix ?? Buffer.alloc(0),
        ]),
      }));
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
        const sent = [...sentStarts, ...sentReplies];
        return sent.every((m) => keys.has(m.key.toString('utf8'))) ? records : undefined;
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

    // The dead-letter indexer recorded every one, whatever bytes it holds, and moved on.
    const expected = sentStarts.length + sentReplies.length;
    // The topics hold what was sent, once each (the idempotent producer), and so the indexer
    // must hold one row per record of theirs.
    const onSources = (await readTopics([topics.start, topics.replies])).length;
    expect(onSources).toBe(expected);
    let recorded: { topic: string; partition: number | null; offset: string | null }[] = [];
    await waitFor(
      () => {
        const missing = deadLetters
          .filter(
            (r) =>
              !recorded.some(
                (row) =>
                  row.topic === r.topic &&
                  `${row.offset}` === r.headers[DEAD_LETTER_HEADERS.originalOffset] &&
                  `${row.partition}` === r.headers[DEAD_LETTER_HEADERS.originalPartition],
              ),
          )
          .map(
            (r) =>
              `${r.topic}/${r.headers[DEAD_LETTER_HEADERS.originalPartition]}@${r.headers[DEAD_LETTER_HEADERS.originalOffset]}`,
          );
        return `every dead letter recorded by the indexer: ${recorded.length} of ${expected} rows (${deadLetters.length} dead letters), not recorded: ${missing.slice(0, 20).join(', ')}`;
      },
      async () => {
        recorded = await environment.db.query(
          `SELECT topic, original_partition AS partition, original_offset AS offset
             FROM dead_letters WHERE topic = ANY($1::text[])`,
          [[topics.deadLetter(topics.start), topics.deadLetter(topics.replies)]],
        );
        return recorded.length === expected ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 500 },
    );

    const [count] = await environment.db.query<{ n: string }>(`SELECT count(*) AS n FROM sagas`);
    expect(Number(count?.n)).toBe(0);
    expect(runtime.isConsuming()).toBe(true);
  }, 300_000);

  it('still starts a valid saga afterwards: no partition is stuck', async () => {
    await publish(runtime.topics.start, [
      { key: Buffer.from('valid'), value: JSON.stringify(validStart()), headers: {} },
    ]);
    await waitFor(
      'the valid saga',
      async () => {
        const [row] = await environment.db.query<{ n: string }>(`SELECT count(*) AS n FROM sagas`);
        return Number(row?.n) === 1 ? true : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200 },
    );
  }, 90_000);
});
