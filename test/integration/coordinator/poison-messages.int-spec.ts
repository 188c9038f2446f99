// Bytes the database refuses (../shared/DESIGN.md, failure window 8) on the real Kafka and
// Postgres: `\u0000`, a lone surrogate and a raw 0x00 byte (and bytes that are not UTF-8) on
// `saga.start`, on `saga.replies` and on a dead-letter topic. Each poison message is
// dead-lettered (or, on a dead-letter topic, recorded) with its reason, and sagas started after
// it, on every partition, run to their end.
import { randomUUID } from 'node:crypto';
import { DEAD_LETTER_HEADERS, HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES } from '#contracts';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { dataErrorReason } from '#postgres';
import type { IncomingMessage } from '#saga-core';
import { isolatePoison } from '../../../apps/coordinator/src/inbound/isolate-poison.js';
import { DeadLetterQueries } from '../../../apps/coordinator/src/dead-letters/dead-letter-queries.js';
import { DeadLetterReplayer } from '../../../apps/coordinator/src/dead-letters/dead-letter-replayer.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import {
  createEnvironment,
  startCoordinator,
  startKafkaParticipants,
  waitForSagas,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { kafkaBrokers } from '../../support/services.js';
import { stepRecord, waitForStep } from '../../support/saga-records.js';
import { readTopics, type TopicRecord } from '../../support/topic-reader.js';
import { waitFor } from '../../support/wait-for.js';
import { orderInput } from '../../support/saga-load.js';

/** Sagas started after the poison; with 3 partitions, every partition carries some. */
const AFTER = 20;
/** Long enough for a healthy run on a loaded machine; a frozen consumer never gets there. */
const FLOW_TIMEOUT_MS = 45_000;

const NUL = '\u0000';
const LONE_SURROGATE = '\ud800';

/** A JSON text with a raw 0x00 byte inside one of its strings (not valid JSON, not valid text for Postgres). */
function withRawNul(json: string, marker: string): Buffer {
  const [before, after] = json.split(marker) as [string, string];
  return Buffer.concat([Buffer.from(before), Buffer.from([0x00]), Buffer.from(after)]);
}

describe('poison messages (bytes the database refuses) on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let kafka: Kafka;

  beforeAll(async () => {
    environment = await createEnvironment('it_poison');
    // Timers 1,000 times slower: no reply timeout can overtake the hand-built replies of the
    // safety-net test (every saga here runs on participants that answer at once).
    coordinator = await startCoordinator(environment, { TIME_SCALE: '1000' });
    participants = await startKafkaParticipants(environment);
    kafka = new Kafka({ clientId: 'poison', brokers: kafkaBrokers(), logLevel: logLevel.NOTHING });
  });

  afterAll(async () => {
    await participants?.stop();
    await coordinator?.stop();
    await environment?.dispose();
  });

  async function publish(topic: string, messages: Message[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, messages });
    } finally {
      await producer.disconnect();
    }
  }

  /** Starts AFTER order sagas through the decisions (as over HTTP); resolves with their ids. */
  async function startSagas(prefix: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < AFTER; i++) {
      const key = `${prefix}-${i}-${randomUUID()}`;
      const answer = await coordinator.decisions.start({
        sagaType: 'order',
        idempotencyKey: key,
        input: orderInput(key),
      });
      ids.push(answer.sagaId);
    }
    return ids;
  }

  /** Waits until the dead-letter topic of `topic` holds a record for each of `keys`. */
  async function deadLettersOf(topic: string, keys: readonly string[]) {
    return waitFor(
      `${keys.length} dead letter(s) on ${topic}.dlq`,
      async () => {
        const records = await readTopics([coordinator.topics.deadLetter(topic)]);
        const byKey = new Map<string, TopicRecord>(records.map((r) => [r.key ?? '', r]));
        return keys.every((key) => byKey.has(key)) ? byKey : undefined;
      },
      { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 500 },
    );
  }

  const replyHeaders = {
    [HEADERS.messageType]: MESSAGE_TYPES.reply,
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
  };
  const reply = (messageId: string, sagaId: string) => ({
    messageId,
    sagaId,
    stepId: 'reserve-inventory',
    action: 'execute',
    attempt: 1,
    outcome: { status: 'success', result: { note: messageId } },
    repliedAt: new Date().toISOString(),
  });

  it('dead-letters replies holding \\u0000, a lone surrogate or a raw 0x00 byte, and every partition goes on', async () => {
    const sagaId = randomUUID();
    const nul = reply(`poison-nul-${NUL}`, sagaId);
    const surrogate = reply(`poison-surrogate-${LONE_SURROGATE}`, sagaId);
    const raw = withRawNul(JSON.stringify(reply('poison-raw-MARK', sagaId)), 'MARK');
    await publish(coordinator.topics.replies, [
      { key: 'reply-nul', headers: replyHeaders, value: JSON.stringify(nul) },
      { key: 'reply-surrogate', headers: replyHeaders, value: JSON.stringify(surrogate) },
      { key: Buffer.from([0x72, 0x00, 0x77]), headers: replyHeaders, value: raw },
    ]);

    const sagaIds = await startSagas('after-replies');
    await waitForSagas(environment.db, sagaIds, ['completed'], FLOW_TIMEOUT_MS);

    const deadLetters = await deadLettersOf(coordinator.topics.replies, [
      'reply-nul',
      'reply-surrogate',
      'r\u0000w',
    ]);
    const reason = (key: string) => deadLetters.get(key)?.headers[DEAD_LETTER_HEADERS.reason];
    expect(reason('reply-nul')).toMatch(/messageId: .*U\+0000/);
    expect(reason('reply-surrogate')).toMatch(/messageId: .*surrogate/);
    expect(reason('r\u0000w')).toMatch(/not valid JSON/);
  }, 120_000);

  it('dead-letters start requests holding \\u0000, a lone surrogate or a raw 0x00 byte, and other keys go on', async () => {
    const headers = {
      [HEADERS.messageType]: MESSAGE_TYPES.start,
      [HEADERS.contentType]: JSON_CONTENT_TYPE,
    };
    const start = (key: string, orderId: string) =>
      JSON.stringify({ sagaType: 'order', idempotencyKey: key, input: orderInput(orderId) });
    const poison: Message[] = [
      { key: 'start-nul', headers, value: start('start-nul', `o-${NUL}`) },
      { key: 'start-surrogate', headers, value: start('start-surrogate', `o-${LONE_SURROGATE}`) },
      { key: 'start-key-nul', headers, value: start(`k-${NUL}`, 'o-1') },
      { key: 'start-raw', headers, value: withRawNul(start('start-raw', 'o-MARK'), 'MARK') },
      {
        key: 'start-not-utf8',
        headers,
        value: Buffer.concat([
          Buffer.from(start('start-not-utf8', 'o-1').replace('"o-1"', '"o-')),
          Buffer.from([0xff, 0x22]),
          Buffer.from(start('x', 'o-1').split('"o-1"')[1]!),
        ]),
      },
      {
        key: 'start-raw-header',
        headers: { ...headers, 'x-poison': Buffer.from([0x61, 0x00, 0x62]) },
        value: withRawNul(start('start-raw-header', 'o-MARK'), 'MARK'),
      },
    ];
    await publish(coordinator.topics.start, poison);
    const keys = Array.from({ length: AFTER }, (_, i) => `after-start-${i}-${randomUUID()}`);
    // A producer's own binary header (a schema id, say) is left out: the start is taken.
    const binary = { ...headers, 'x-schema-id': Buffer.from([0x00, 0xff, 0x10]) };
    await publish(
      coordinator.topics.start,
      keys.map((key, i) => ({ key, headers: i === 0 ? binary : headers, value: start(key, key) })),
    );

    const ids = await waitFor(
      `${AFTER} sagas started from saga.start after the poison`,
      async () => {
        const rows = await environment.db.query<{ id: string }>(
          `SELECT id FROM sagas WHERE idempotency_key = ANY($1::text[])`,
          [keys],
        );
        return rows.length === AFTER ? rows.map((row) => row.id) : undefined;
      },
      { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 200 },
    );
    await waitForSagas(environment.db, ids, ['completed'], FLOW_TIMEOUT_MS);

    const deadLetters = await deadLettersOf(
      coordinator.topics.start,
      poison.map((message) => message.key as string),
    );
    const reason = (key: string) => deadLetters.get(key)?.headers[DEAD_LETTER_HEADERS.reason];
    expect(reason('start-nul')).toMatch(/input\.orderId: .*U\+0000/);
    expect(reason('start-surrogate')).toMatch(/input\.orderId: .*surrogate/);
    expect(reason('start-key-nul')).toMatch(/idempotencyKey: .*U\+0000/);
    expect(reason('start-raw')).toMatch(/not valid JSON/);
    expect(reason('start-not-utf8')).toBe('the value is not valid UTF-8');
    expect(reason('start-raw-header')).toMatch(/not valid JSON/);
    const [poisoned] = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sagas WHERE idempotency_key LIKE 'start-%'`,
    );
    expect(poisoned?.n).toBe(0);
  }, 120_000);

  it('records dead letters holding raw 0x00 bytes, \\u0000 or a lone surrogate, and goes on', async () => {
    const dlq = coordinator.topics.deadLetter(coordinator.topics.replies);
    // Replies of a saga type without sensitive fields: stored as they came (not sealed), escaped
    // only where Postgres could not store the text as it is.
    const origin = (offset: number, reason: string) => ({
      [HEADERS.sagaType]: 'notes',
      [DEAD_LETTER_HEADERS.reason]: reason,
      [DEAD_LETTER_HEADERS.originalTopic]: coordinator.topics.replies,
      [DEAD_LETTER_HEADERS.originalPartition]: '2',
      [DEAD_LETTER_HEADERS.originalOffset]: String(offset),
      [DEAD_LETTER_HEADERS.failedAt]: new Date().toISOString(),
    });
    const base = 900_000 + Math.floor(Math.random() * 1_000) * 10;
    const rawValue = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0x00, 0x22, 0x7d]); // {"a":"\0"}
    await publish(dlq, [
      { key: 'dl-raw-value', headers: origin(base + 1, 'raw value'), value: rawValue },
      {
        key: Buffer.from([0x6b, 0x00]),
        headers: { ...origin(base + 2, 'raw key and header'), 'x-raw': Buffer.from([0x00]) },
        value: '{}',
      },
      {
        key: 'dl-raw-reason',
        headers: {
          ...origin(base + 3, 'reason'),
          [DEAD_LETTER_HEADERS.reason]: Buffer.from([0x00]),
        },
        value: 'a\\b',
      },
      {
        key: 'dl-escapes',
        headers: origin(base + 4, 'escapes'),
        value: JSON.stringify({ nul: NUL, lone: LONE_SURROGATE }),
      },
      { key: 'dl-after', headers: origin(base + 5, 'an ordinary dead letter'), value: '{}' },
    ]);

    const views = await waitFor(
      'the five dead letters recorded',
      async () => {
        const queries = new DeadLetterQueries(environment.db, coordinator.deadLetterSealer);
        const page = await queries.list({ topic: dlq, limit: 100 }, true);
        const mine = page.items.filter((item) => Number(item.originalOffset) > base);
        return mine.length === 5 ? mine : undefined;
      },
      { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 200 },
    );
    const byOffset = new Map(views.map((view) => [Number(view.originalOffset) - base, view]));
    expect(byOffset.get(1)).toMatchObject({ key: 'dl-raw-value', reason: 'raw value' });
    // Not JSON (a raw control character in a string): shown as the text it is, byte for byte.
    expect(byOffset.get(1)?.value).toBe(`{"a":"${NUL}"}`);
    expect(byOffset.get(2)).toMatchObject({ key: 'k\u0000', value: {} });
    expect(byOffset.get(2)?.headers['x-raw']).toBe(NUL);
    expect(byOffset.get(3)).toMatchObject({ key: 'dl-raw-reason', value: 'a\\b' });
    expect(byOffset.get(3)?.reason).toBe(NUL);
    expect(byOffset.get(4)?.value).toEqual({ nul: NUL, lone: LONE_SURROGATE });
    expect(byOffset.get(5)).toMatchObject({ key: 'dl-after', reason: 'an ordinary dead letter' });
    // Stored escaped only where Postgres could not have stored the text as it is.
    const stored = await environment.db.query<{ offset: string; text_escaped: boolean }>(
      `SELECT original_offset::text AS offset, text_escaped FROM dead_letters
       WHERE topic = $1 AND original_offset > $2 ORDER BY original_offset`,
      [dlq, base],
    );
    expect(stored.map((row) => row.text_escaped)).toEqual([true, true, true, false, false]);

    // A replay republishes the original bytes, not their escaped spelling.
    const replayer = new DeadLetterReplayer(
      environment.db,
      coordinator.transport.publisher,
      {},
      coordinator.deadLetterSealer,
    );
    await replayer.replayOne(byOffset.get(2)!.id, 'test');
    await waitFor(
      'the replayed record on the original topic, byte for byte',
      async () => {
        const records = await readTopics([coordinator.topics.replies]);
        return records.some((r) => r.key === 'k\u0000' && r.headers['x-raw'] === NUL);
      },
      { timeoutMs: FLOW_TIMEOUT_MS, intervalMs: 500 },
    );
  }, 120_000);

  it('sets aside what the database refuses even when it passed validation (the safety net)', async () => {
    // Nobody answers from here on: the replies below are the only ones the sagas get.
    await participants?.stop();
    participants = undefined;
    const sagaIds = (await startSagas('net')).slice(0, 5);
    await Promise.all(
      sagaIds.map((sagaId) => waitForStep(environment.db, sagaId, 'reserve-inventory', 'running')),
    );
    // Replies built by hand, past the contract's checks: the database refuses the details of
    // two refusals once they are in the sagas' state. (A success's result is sealed whole in a
    // saga of this type, and what its fold copies out is checked before it is written.)
    const refused = { 1: `nul-${NUL}`, 3: `surrogate-${LONE_SURROGATE}` } as Record<number, string>;
    const messages: IncomingMessage[] = sagaIds.map((sagaId, index) => ({
      topic: coordinator.topics.replies,
      key: null,
      headers: {},
      value: JSON.stringify({
        ...reply(`net-${index}`, sagaId),
        outcome:
          refused[index] === undefined
            ? { status: 'success', result: { reservationId: `r-${index}` } }
            : {
                status: 'failure',
                code: 'OUT_OF_STOCK',
                message: 'no stock',
                details: { sku: refused[index] },
              },
      }),
    }));
    const handle = isolatePoison(
      async (batch) => {
        await coordinator.decisions.applyReplies(batch.map((m) => JSON.parse(m.value!)));
        return { deadLetters: [] };
      },
      { poisonReason: dataErrorReason },
    );
    const outcome = await handle(messages);
    expect(outcome.deadLetters.map((d) => [d.message, d.reason])).toEqual([
      [messages[1], 'the database refused a value (SQLSTATE 22P05, untranslatable character)'],
      [messages[3], 'the database refused a value (SQLSTATE 22P02, invalid text representation)'],
    ]);
    for (const index of [0, 2, 4]) {
      await waitForStep(environment.db, sagaIds[index]!, 'reserve-inventory', 'succeeded');
    }
    for (const index of [1, 3]) {
      const step = await stepRecord(environment.db, sagaIds[index]!, 'reserve-inventory');
      expect(step).toEqual({ status: 'running', attempt: 1 });
    }
  });
});
