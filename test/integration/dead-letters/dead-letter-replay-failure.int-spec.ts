// The dead-letter API over a publisher the test controls, on the real Postgres: a replay the
// broker does not acknowledge answers 503 and leaves the dead letters replayable; once the
// broker is back, the bulk replay republishes each one once, as it was, without dlq headers.
import type { Database } from '#postgres';
import { HEADERS } from '#contracts';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  deadLetterIndexer,
  DeadLettersModule,
} from '../../../apps/coordinator/src/dead-letters/index.js';
import { MAX_DEAD_LETTER_VALUE_BYTES } from '../../../apps/coordinator/src/common/dead-letter-limits.js';
import { DeadLetterNotReplayableError } from '../../../apps/coordinator/src/dead-letters/dead-letter-errors.js';
import { DeadLetterReplayer } from '../../../apps/coordinator/src/dead-letters/dead-letter-replayer.js';
import type { DeadLetterSealer } from '../../../apps/coordinator/src/dead-letters/dead-letter-sealer.js';
import { UnsealError } from '../../../apps/coordinator/src/security/field-cipher.js';
import { configureHttp } from '../../../apps/coordinator/src/http/index.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { replyDeadLetter as deadLetter } from '../../support/dead-letter-records.js';
import { uniqueName } from '../../support/services.js';
import { ADMIN_HEADERS } from '../../support/test-credentials.js';
import { withTestGuard } from '../../support/test-guard.js';

/** Records what it publishes; fails while `down`, with a message that must not reach the answer. */
class ControlledPublisher implements MessagePublisher {
  readonly published: OutgoingMessage[] = [];
  down = false;

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.down) throw new Error('connect ECONNREFUSED secret-broker.internal:9092');
    this.published.push(...messages);
  }
}

describe('replaying dead letters when the broker fails', () => {
  const schema = uniqueName('it_dlq_replay');
  const publisher = new ControlledPublisher();
  let database: Database;
  let app: NestExpressApplication;
  let url: string;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
    await deadLetterIndexer(database)([deadLetter(1), deadLetter(2)]);
    app = await NestFactory.create<NestExpressApplication>(
      withTestGuard(DeadLettersModule.register({ database, publisher })),
      { logger: false },
    );
    configureHttp(app);
    await app.listen(0, '127.0.0.1');
    url = await app.getUrl();
  });

  afterAll(async () => {
    await app?.close();
    if (database !== undefined) await dropMigratedSchema(database, schema);
  });

  const post = (path: string, body?: object) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
  const pending = async () => {
    const response = await fetch(`${url}/dead-letters?replayed=false`, { headers: ADMIN_HEADERS });
    return ((await response.json()) as { items: { id: string }[] }).items.map((item) => item.id);
  };

  it('answers 503 with a clear message and keeps every dead letter replayable', async () => {
    const ids = await pending();
    expect(ids).toHaveLength(2);
    publisher.down = true;
    for (const path of [`/dead-letters/${ids[0]}/replay`, '/dead-letters/replay']) {
      const response = await post(path);
      const body = (await response.json()) as { message: string };
      expect({ status: response.status, message: body.message }).toEqual({
        status: 503,
        message: expect.stringContaining('stay replayable'),
      });
      expect(JSON.stringify(body)).not.toContain('secret-broker');
    }
    expect((await pending()).sort()).toEqual([...ids].sort());
    expect(publisher.published).toEqual([]);
  });

  it('republishes each dead letter once, as it was, when the broker is back', async () => {
    publisher.down = false;
    const response = await post('/dead-letters/replay');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ more: false, replayed: expect.any(Array) });
    expect(publisher.published).toEqual(
      [1, 2].map((offset) => ({
        topic: 'saga.replies',
        key: `saga-${offset}`,
        headers: { [HEADERS.messageId]: `reply-${offset}` },
        value: `{"offset":${offset}}`,
      })),
    );
    expect(await pending()).toEqual([]);
    const again = await post('/dead-letters/replay');
    expect(await again.json()).toEqual({
      replayed: [],
      more: false,
      unopenable: [],
      resumeAfter: null,
    });
    expect(publisher.published).toHaveLength(2);
  });

  it('documents the routes in OpenAPI', async () => {
    const response = await fetch(`${url}/docs-json`);
    expect(response.status).toBe(200);
    const document = (await response.json()) as {
      paths: Record<string, Record<string, { responses: Record<string, unknown> }>>;
    };
    expect(Object.keys(document.paths).sort()).toEqual([
      '/dead-letters',
      '/dead-letters/replay',
      '/dead-letters/{id}',
      '/dead-letters/{id}/replay',
    ]);
    expect(
      Object.keys(document.paths['/dead-letters/{id}/replay']?.post?.responses ?? {}).sort(),
    ).toEqual(['200', '400', '404', '409', '413', '415', '503']);
  });

  it('bounds a bulk replay and says when more dead letters wait', async () => {
    await deadLetterIndexer(database)([deadLetter(3), deadLetter(4)]);
    const replayer = new DeadLetterReplayer(database, publisher, { chunkSize: 1, maxPerCall: 1 });
    expect(await replayer.replayPending('ops')).toMatchObject({ more: true });
    expect(await replayer.replayPending('ops')).toMatchObject({ more: false });
    expect(await replayer.replayPending('ops')).toEqual({
      replayed: [],
      more: false,
      unopenable: [],
      resumeAfter: null,
    });
    expect(publisher.published.map((message) => message.key)).toEqual([
      'saga-1',
      'saga-2',
      'saga-3',
      'saga-4',
    ]);
  });

  it('refuses to replay a dead letter whose value was cut (409) and leaves it out of bulk replays', async () => {
    const huge = { ...deadLetter(5), value: `"${'x'.repeat(MAX_DEAD_LETTER_VALUE_BYTES)}"` };
    await deadLetterIndexer(database)([huge]);
    const [id] = await pending();
    const view = (await (
      await fetch(`${url}/dead-letters/${id}`, { headers: ADMIN_HEADERS })
    ).json()) as {
      valueTruncated: boolean;
    };
    expect(view.valueTruncated).toBe(true);
    const response = await post(`/dead-letters/${id}/replay`);
    expect(response.status).toBe(409);
    expect(await (await post('/dead-letters/replay')).json()).toEqual({
      replayed: [],
      more: false,
      unopenable: [],
      resumeAfter: null,
    });
    expect(await pending()).toEqual([id]);
  });

  it('replays the others when a dead letter’s sealed value does not open, and says which (409 alone)', async () => {
    // Sealed under a key since dropped from the keyring: the `lost-*` ones do not open.
    const sealer: DeadLetterSealer = {
      mayHoldSensitive: () => true,
      seal: (_headers, value) => `sealed:${value}`,
      open: (headers, sealed) => {
        if (headers[HEADERS.messageId]?.startsWith('lost-')) throw new UnsealError('no key k0');
        return sealed.slice('sealed:'.length);
      },
    };
    const lost = (offset: number) => {
      const letter = deadLetter(offset);
      return { ...letter, headers: { ...letter.headers, [HEADERS.messageId]: `lost-${offset}` } };
    };
    await deadLetterIndexer(database, sealer)([lost(6), lost(7), deadLetter(8), deadLetter(9)]);
    const idOf = async (messageId: string) =>
      (
        await database.query<{ id: string }>(
          `SELECT id::text AS id FROM dead_letters WHERE headers->>$1 = $2`,
          [HEADERS.messageId, messageId],
        )
      )[0]!.id;
    const lostId = await idOf('lost-6');
    const otherLostId = await idOf('lost-7');
    const replayer = new DeadLetterReplayer(database, publisher, { chunkSize: 1 }, sealer);

    await expect(replayer.replayOne(lostId, 'ops')).rejects.toBeInstanceOf(
      DeadLetterNotReplayableError,
    );
    const before = publisher.published.length;
    expect(await replayer.replayPending('ops')).toEqual({
      replayed: [expect.any(String), expect.any(String)],
      more: false,
      unopenable: [lostId, otherLostId],
      resumeAfter: null,
    });
    expect(publisher.published.slice(before).map((message) => message.value)).toEqual([
      '{"offset":8}',
      '{"offset":9}',
    ]);
    expect(await pending()).toEqual(expect.arrayContaining([lostId, otherLostId]));
    // Those that do not open count against a call's bound: it stops, says more wait, and from
    // where a call goes on past them; one that starts afresh takes the same ones again.
    await deadLetterIndexer(database, sealer)([deadLetter(10)]);
    const bounded = new DeadLetterReplayer(database, publisher, { maxPerCall: 2 }, sealer);
    const stopped = { replayed: [], more: true, unopenable: [lostId, otherLostId] };
    expect(await bounded.replayPending('ops')).toEqual({ ...stopped, resumeAfter: otherLostId });
    expect(await bounded.replayPending('ops')).toEqual({ ...stopped, resumeAfter: otherLostId });
    expect(await bounded.replayPending('ops', undefined, otherLostId)).toEqual({
      replayed: [expect.any(String)],
      more: false,
      unopenable: [],
      resumeAfter: null,
    });
    expect(publisher.published.at(-1)?.value).toBe('{"offset":10}');
    expect(await pending()).toEqual(expect.arrayContaining([lostId, otherLostId]));
    // Over HTTP: `after` is an id.
    const past = await post('/dead-letters/replay', { after: '999999' });
    expect(await past.json()).toEqual({
      replayed: [],
      more: false,
      unopenable: [],
      resumeAfter: null,
    });
    const refused = await post('/dead-letters/replay', { after: 'x' });
    expect(refused.status).toBe(400);
    expect(JSON.stringify(await refused.json())).toContain('after');
  });
});
