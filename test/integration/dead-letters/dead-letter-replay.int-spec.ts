// Dead letters on the real Kafka and Postgres: what lands in the dead-letter topics is listed
// by the API with its reason; a start for a saga type the coordinator did not know is replayed
// once a coordinator that knows it runs, and is processed once however often it is replayed.
import {
  DEAD_LETTER_HEADERS,
  HEADERS,
  JSON_CONTENT_TYPE,
  MESSAGE_TYPES,
  topicNames,
} from '#contracts';
import { compileDefinition } from '#definitions';
import { createSagaRegistry } from '#saga-core';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import { Kafka, logLevel } from 'kafkajs';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import { startCoordinatorApp, type CoordinatorApp } from '../../support/coordinator-app.js';
import { oneStepDocument } from '../../support/definition-documents.js';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { waitForGroupsToCatchUp } from '../../support/consumer-groups.js';
import { readTopics } from '../../support/topic-reader.js';
import { kafkaBrokers } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { asKey } from '../../support/test-credentials.js';

interface DeadLetter {
  id: string;
  valueRedacted: boolean;
  bytesReplaced: boolean;
  topic: string;
  originalTopic: string;
  originalPartition: number | null;
  originalOffset: string | null;
  key: string | null;
  headers: Record<string, string>;
  value: unknown;
  reason: string;
  replayedAt: string | null;
  replayedBy: string | null;
  replayCount: number;
}

interface Page {
  items: DeadLetter[];
  nextCursor: string | null;
}

interface Problem {
  statusCode: number;
  message: string;
  problems?: { field: string; message: string }[];
}

const startRequest = {
  sagaType: 'order',
  idempotencyKey: 'dlq-order-1',
  input: {
    orderId: 'dlq-o-1',
    customerId: 'c-1',
    items: [{ sku: 'plum', quantity: 1 }],
    amount: 30,
    currency: 'EUR',
  },
};

/** The high watermark of each partition of `topic`: what was ever published to it. */
async function topicEnds(topic: string): Promise<Record<number, string>> {
  const admin = new Kafka({
    clientId: 'test-topic-ends',
    brokers: kafkaBrokers(),
    logLevel: logLevel.ERROR,
  }).admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(offsets.map(({ partition, high }) => [partition, high]));
  } finally {
    await admin.disconnect();
  }
}

describe('dead letters on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let transport: KafkaTransport;
  let app: CoordinatorApp | undefined;
  let topics: ReturnType<typeof topicNames>;

  const json = async <T>(response: Response, status = 200): Promise<T> => {
    const body = (await response.json()) as T;
    expect({ status: response.status, body }).toMatchObject({ status });
    return body;
  };
  const list = async (query = ''): Promise<Page> =>
    json<Page>(await app!.request('GET', `/dead-letters${query}`));
  const waitForDeadLetters = (query: string, count: number) =>
    waitFor(`${count} dead letter(s) for ${query}`, async () => {
      const page = await list(query);
      return page.items.length === count ? page.items : undefined;
    });
  const sagasWithKey = async (key: string) =>
    environment.db.query<{ id: string }>(`SELECT id FROM sagas WHERE idempotency_key = $1`, [key]);

  beforeAll(async () => {
    environment = await createEnvironment('it_dlq');
    topics = topicNames(environment.topicPrefix);
    transport = new KafkaTransport(
      { brokers: kafkaBrokers(), clientId: 'test-dead-letters' },
      { logger: silentTransportLogger },
    );
    // A coordinator that knows no order saga yet: every start of one is refused and
    // dead-lettered. Its one saga type commands inventory, whose dead letters it indexes.
    const stockCheck = compileDefinition(oneStepDocument('stock-check', 1, 'inventory'));
    if (!stockCheck.ok) throw new Error(JSON.stringify(stockCheck.problems));
    app = await startCoordinatorApp(environment, createSagaRegistry([stockCheck.definition]));
  });

  afterAll(async () => {
    await app?.close();
    await transport?.close();
    await environment?.dispose();
  });

  it('lists what lands in the dead-letter topics, with the reason, once per record', async () => {
    const headers = {
      [HEADERS.messageType]: MESSAGE_TYPES.start,
      [HEADERS.contentType]: JSON_CONTENT_TYPE,
    };
    await transport.publisher.publish([
      {
        topic: topics.start,
        key: startRequest.idempotencyKey,
        headers,
        value: JSON.stringify(startRequest),
      },
      { topic: topics.replies, key: 'some-saga', headers: {}, value: '{"not":"a reply"}' },
    ]);
    // A participant's dead letter, delivered twice (its consumer crashed before committing).
    const commandsDlq = topics.deadLetter(topics.commands('inventory'));
    const participantDeadLetter = {
      key: 'saga-9',
      value: '{"bad":true}',
      headers: {
        [HEADERS.messageId]: 'cmd-9',
        [DEAD_LETTER_HEADERS.reason]: 'invalid command: payload.items: required',
        [DEAD_LETTER_HEADERS.originalTopic]: topics.commands('inventory'),
        [DEAD_LETTER_HEADERS.originalPartition]: '1',
        [DEAD_LETTER_HEADERS.originalOffset]: '7',
        [DEAD_LETTER_HEADERS.failedAt]: '2026-11-29T01:00:00.000Z',
      },
    };
    await transport.publisher.sendRecords(commandsDlq, [
      participantDeadLetter,
      participantDeadLetter,
    ]);

    const all = await waitForDeadLetters('?limit=100', 3);
    await waitForGroupsToCatchUp([
      { groupId: `saga-coordinator.${environment.topicPrefix}dead-letters`, topic: commandsDlq },
    ]);
    expect((await list()).items).toHaveLength(3);

    const byOrigin = Object.fromEntries(all.map((item) => [item.originalTopic, item]));
    expect(byOrigin[topics.start]).toMatchObject({
      topic: topics.deadLetter(topics.start),
      key: startRequest.idempotencyKey,
      value: startRequest,
      reason: expect.stringMatching(/^refused: .*order/),
      replayedAt: null,
      replayCount: 0,
    });
    expect(byOrigin[topics.start]!.headers).not.toHaveProperty(DEAD_LETTER_HEADERS.reason);
    expect(byOrigin[topics.replies]).toMatchObject({
      reason: expect.stringMatching(/^invalid reply: /),
      value: { not: 'a reply' },
    });
    expect(byOrigin[topics.commands('inventory')]).toMatchObject({
      topic: commandsDlq,
      originalPartition: 1,
      originalOffset: '7',
      reason: 'invalid command: payload.items: required',
      headers: { [HEADERS.messageId]: 'cmd-9' },
    });
  });

  it('filters by topic, original topic and replay, and pages with a cursor', async () => {
    expect(
      (await list(`?originalTopic=${topics.replies}`)).items.map((i) => i.originalTopic),
    ).toEqual([topics.replies]);
    const dlq = topics.deadLetter(topics.start);
    expect((await list(`?topic=${dlq}`)).items.map((i) => i.topic)).toEqual([dlq]);
    expect((await list('?replayed=true')).items).toEqual([]);
    expect((await list('?replayed=false')).items).toHaveLength(3);

    const first = await list('?limit=2');
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await list(`?limit=2&cursor=${first.nextCursor}`);
    expect(second).toMatchObject({ nextCursor: null });
    expect(second.items).toHaveLength(1);
    const ids = [...first.items, ...second.items].map((item) => Number(item.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(3);
  });

  it('answers 404 for an unknown id and 400 naming the field for bad parameters', async () => {
    const missing = await json<Problem>(await app!.request('GET', '/dead-letters/999999999'), 404);
    expect(missing.message).toContain('999999999');
    await json(await app!.request('POST', '/dead-letters/999999999/replay'), 404);
    const fieldOf = async (path: string) =>
      (await json<Problem>(await app!.request('GET', path), 400)).problems?.map((p) => p.field);
    expect(await fieldOf('/dead-letters?limit=0')).toEqual(['limit']);
    expect(await fieldOf('/dead-letters?limit=101')).toEqual(['limit']);
    expect(await fieldOf('/dead-letters?replayed=maybe')).toEqual(['replayed']);
    expect(await fieldOf('/dead-letters?cursor=abc')).toEqual(['cursor']);
    expect(await fieldOf('/dead-letters?colour=red')).toEqual(['colour']);
    expect(await fieldOf('/dead-letters/abc')).toEqual(['id']);
    const body = await app!.request('POST', '/dead-letters/replay', { body: { topic: 'x' } });
    expect((await json<Problem>(body, 400)).problems?.map((p) => p.field)).toEqual(['topic']);
  });

  it('a replay before the cause is fixed dead-letters the message again, as a new record', async () => {
    const [poison] = (await list(`?originalTopic=${topics.start}`)).items;
    const replayed = await json<DeadLetter>(
      await app!.request('POST', `/dead-letters/${poison!.id}/replay`, {
        headers: asKey('operator'),
      }),
    );
    expect(replayed).toMatchObject({ id: poison!.id, replayedBy: 'key:operator', replayCount: 1 });
    expect(Date.parse(replayed.replayedAt!)).not.toBeNaN();
    const again = await waitForDeadLetters(`?originalTopic=${topics.start}&replayed=false`, 1);
    expect(again[0]).toMatchObject({ reason: poison!.reason, value: startRequest });
    expect(again[0]!.id).not.toBe(poison!.id);
    expect(again[0]!.originalOffset).not.toBe(poison!.originalOffset);
    expect(await sagasWithKey(startRequest.idempotencyKey)).toEqual([]);
  });

  it('a poison message replayed after its cause was fixed is processed once', async () => {
    await app!.close();
    // The fix: a coordinator that knows the order saga takes over.
    app = await startCoordinatorApp(environment, createSampleSagaRegistry());
    const answer = await json<{ replayed: string[]; more: boolean }>(
      await app.request('POST', '/dead-letters/replay', {
        body: { originalTopic: topics.start },
        headers: asKey('operator'),
      }),
    );
    expect(answer).toMatchObject({ more: false });
    expect(answer.replayed).toHaveLength(1);
    const [saga] = await waitFor('the replayed start to create its saga', async () => {
      const rows = await sagasWithKey(startRequest.idempotencyKey);
      return rows.length > 0 ? rows : undefined;
    });

    // Every copy replayed once more: the idempotency key dedupes them.
    const starts = (await list(`?originalTopic=${topics.start}`)).items;
    expect(starts).toHaveLength(2);
    for (const deadLetter of starts) {
      await json(await app.request('POST', `/dead-letters/${deadLetter.id}/replay`));
    }
    await waitForGroupsToCatchUp([
      { groupId: `saga-coordinator.${topics.start}`, topic: topics.start },
      {
        groupId: `saga-coordinator.${environment.topicPrefix}dead-letters`,
        topic: topics.deadLetter(topics.start),
      },
    ]);
    expect(await sagasWithKey(startRequest.idempotencyKey)).toEqual([saga]);
    const after = (await list(`?originalTopic=${topics.start}`)).items;
    expect(after).toHaveLength(2);
    expect(after.every((item) => item.replayedAt !== null)).toBe(true);
    expect((await list('?replayed=false')).items.map((i) => i.originalTopic).sort()).toEqual(
      [topics.commands('inventory'), topics.replies].sort(),
    );
  });

  it('records the command a participant could not read, from its dead-letter topic', async () => {
    const participants = await startKafkaParticipants(environment);
    try {
      await transport.publisher.publish([
        { topic: topics.commands('payment'), key: 'saga-x', headers: {}, value: 'not json' },
      ]);
      const [recorded] = await waitForDeadLetters(
        `?originalTopic=${topics.commands('payment')}`,
        1,
      );
      expect(recorded).toMatchObject({
        topic: topics.deadLetter(topics.commands('payment')),
        key: 'saga-x',
        value: 'not json',
        originalOffset: expect.stringMatching(/^\d+$/),
        reason: expect.stringMatching(/^invalid command: /),
      });
      // A command of a saga type with sensitive fields: its value only for `read-sensitive`.
      await transport.publisher.publish([
        {
          topic: topics.commands('payment'),
          key: 'saga-y',
          headers: {
            [HEADERS.sagaType]: 'order',
            [HEADERS.sagaId]: '4b0b8a3e-9a59-4c39-9d61-2a8f1c7f4a11',
          },
          value: '{"cardToken":"tok_canary"}',
        },
      ]);
      const [secret] = await waitForDeadLetters(`?originalTopic=${topics.commands('payment')}`, 2);
      expect(secret).toMatchObject({ key: 'saga-y', value: { cardToken: 'tok_canary' } });
      const asOperator = await json<DeadLetter>(
        await app!.request('GET', `/dead-letters/${secret!.id}`, { headers: asKey('operator') }),
      );
      expect(asOperator).toMatchObject({ value: '[REDACTED]', valueRedacted: false });
      // At rest it is sealed.
      const [stored] = await environment.db.query<{ value: string }>(
        `SELECT value FROM dead_letters WHERE id = $1::bigint`,
        [secret!.id],
      );
      expect(stored?.value).not.toContain('tok_canary');
    } finally {
      await participants.stop();
    }
  });

  it('refuses to replay a dead letter whose bytes were not UTF-8: it is stored with U+FFFD in their place', async () => {
    // A reply with a Latin-1 é: its consumer dead-letters it unread, bytes and all.
    const latin1 = Buffer.concat([
      Buffer.from('{"sagaId":"s-latin","name":"Jos'),
      Buffer.from([0xe9]),
      Buffer.from('"}'),
    ]);
    await transport.publisher.sendRecords(topics.replies, [{ key: 'latin-1', value: latin1 }]);
    const recorded = await waitFor('the reply dead letter', async () =>
      (await list(`?originalTopic=${topics.replies}`)).items.find((item) => item.key === 'latin-1'),
    );
    expect(recorded).toMatchObject({
      reason: 'the value is not valid UTF-8',
      value: { sagaId: 's-latin', name: 'Jos\ufffd' },
      bytesReplaced: true,
    });

    const one = await app!.request('POST', `/dead-letters/${recorded.id}/replay`, {
      headers: asKey('operator'),
    });
    expect(one.status).toBe(409);
    expect(await one.text()).toMatch(/bytes that are not valid UTF-8/);
    const bulk = await json<{ replayed: string[] }>(
      await app!.request('POST', '/dead-letters/replay', {
        body: { originalTopic: topics.replies },
        headers: asKey('operator'),
      }),
    );
    expect(bulk.replayed).not.toContain(recorded.id);
    expect(
      (await json<DeadLetter>(await app!.request('GET', `/dead-letters/${recorded.id}`)))
        .replayCount,
    ).toBe(0);
  });

  it('refuses to replay a start whose sensitive fields were redacted when it was dead-lettered', async () => {
    await transport.publisher.publish([
      {
        topic: topics.start,
        key: 'redacted-1',
        headers: {},
        value: JSON.stringify({
          sagaType: 'order',
          idempotencyKey: 'redacted-1',
          input: { orderId: 'o', payment: { cardToken: 'tok_canary' } },
        }),
      },
    ]);
    const recorded = await waitFor('the redacted start dead letter', async () =>
      (await list(`?originalTopic=${topics.start}`)).items.find(
        (item) => item.key === 'redacted-1',
      ),
    );
    expect(recorded).toMatchObject({ valueRedacted: true });
    expect(JSON.stringify(recorded.value)).not.toContain('tok_canary');
    const response = await app!.request('POST', `/dead-letters/${recorded.id}/replay`, {
      headers: asKey('operator'),
    });
    expect(response.status).toBe(409);
  });
  it('refuses to replay a dead letter to the topic its dlq-original-topic header names, when that is not its dead-letter topic’s origin', async () => {
    // A participant writes its own dead-letter topic, naming saga.start as the original topic:
    // a replay there would start sagas with the coordinator's credentials, around the ACLs.
    const payment = topics.commands('payment');
    const forgedStart = {
      sagaType: 'order',
      idempotencyKey: 'forged-1',
      input: { ...startRequest.input, orderId: 'forged-o-1' },
    };
    await transport.publisher.sendRecords(topics.deadLetter(payment), [
      {
        key: 'forged-1',
        value: JSON.stringify(forgedStart),
        headers: {
          [HEADERS.messageType]: MESSAGE_TYPES.start,
          [HEADERS.contentType]: JSON_CONTENT_TYPE,
          [DEAD_LETTER_HEADERS.reason]: 'not for me',
          [DEAD_LETTER_HEADERS.originalTopic]: topics.start,
          [DEAD_LETTER_HEADERS.originalPartition]: '0',
          [DEAD_LETTER_HEADERS.originalOffset]: '4242',
        },
      },
    ]);
    const forged = await waitFor('the forged dead letter', async () =>
      (await list(`?topic=${topics.deadLetter(payment)}`)).items.find(
        (item) => item.key === 'forged-1',
      ),
    );
    // The header is shown as it came; it decides nothing.
    expect(forged).toMatchObject({ originalTopic: topics.start });
    const startEnds = await topicEnds(topics.start);

    const one = await app!.request('POST', `/dead-letters/${forged.id}/replay`, {
      headers: asKey('operator'),
    });
    const refusal = await json<Problem>(one, 409);
    expect(refusal.message).toContain(`names ${topics.start}`);
    expect(refusal.message).toContain(`read from ${topics.deadLetter(payment)}`);

    const all = await json<{ replayed: string[] }>(
      await app!.request('POST', '/dead-letters/replay', {
        body: { originalTopic: topics.start },
        headers: asKey('operator'),
      }),
    );
    expect(all.replayed).not.toContain(forged.id);
    expect(await topicEnds(topics.start)).toEqual(startEnds);
    expect(
      await json<DeadLetter>(await app!.request('GET', `/dead-letters/${forged.id}`)),
    ).toMatchObject({ replayedAt: null, replayCount: 0 });
    expect(await sagasWithKey('forged-1')).toEqual([]);
  });

  it('keeps no value of a start that is not JSON, on the topic and in the index, and refuses to replay it', async () => {
    const trailingComma =
      '{"sagaType":"order","idempotencyKey":"dropped-1","input":{"payment":{"cardToken":"tok_canary"}},}';
    await transport.publisher.publish([
      { topic: topics.start, key: 'dropped-1', headers: {}, value: trailingComma },
    ]);
    const recorded = await waitFor('the start dead letter without its value', async () =>
      (await list(`?originalTopic=${topics.start}`)).items.find((item) => item.key === 'dropped-1'),
    );
    expect(recorded).toMatchObject({
      value: null,
      valueRedacted: true,
      reason: expect.stringContaining('could not be checked for sensitive fields'),
    });
    const onTopic = (await readTopics([topics.deadLetter(topics.start)])).filter(
      (record) => record.key === 'dropped-1',
    );
    expect(onTopic).toHaveLength(1);
    expect(JSON.stringify(onTopic)).not.toContain('tok_canary');

    const refusal = await json<Problem>(
      await app!.request('POST', `/dead-letters/${recorded.id}/replay`, {
        headers: asKey('operator'),
      }),
      409,
    );
    expect(refusal.message).toContain('its value was dropped');
  });
});
