// Outbox rows set aside that stop no saga, on the real Postgres: the relay tries them again by
// itself every `retryUnheldAfterMs`, and once they have been tried again `retryUnheldTimes`
// times it moves them to the dead letters with their reason, logged once, so that they are no
// longer tried for ever (nor hold the outbox's oldest age up). The rows of a stuck saga wait for
// its resume, and a row of a saga still running is tried again, as before.
import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { Database } from '#postgres';
import { DeadLetterReplayer } from '../../../apps/coordinator/src/dead-letters/dead-letter-replayer.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { setOutboxRowsAside } from '../../../apps/coordinator/src/outbox/set-aside-rows.js';
import {
  enqueueOutbox,
  type OutboxRow,
} from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { outboxRow } from '../../support/outbox-rows.js';
import { RecordingPublisher } from '../../support/recording-publisher.js';
import { uniqueName } from '../../support/services.js';

const RETRY_MS = 60_000;

describe('the outbox relay giving up on rows set aside that stop no saga', () => {
  const schema = uniqueName('it_set_aside_dead_letters');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));

  const insertSaga = async (status: string) => {
    const sagaId = randomUUID();
    await database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1, 'order', 1, $2, $3, '{"steps": {}}')`,
      [sagaId, status, sagaId],
    );
    return sagaId;
  };
  const outbox = async () =>
    (
      await database.query<{ key: string; set_aside: boolean; retries: number | null }>(
        `SELECT message_key AS key, set_aside_at IS NOT NULL AS set_aside,
           set_aside_retries AS retries
         FROM outbox ORDER BY id`,
      )
    ).map((row) => `${row.key}:${row.set_aside ? 'set aside' : 'unsent'}:${row.retries ?? 0}`);

  it('moves them to the dead letters once tried again so many times, and says so once', async () => {
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const ended = await insertSaga('completed');
    const stuck = await insertSaga('stuck');
    // A saga whose state does not open is not marked stuck: its row holds it all the same.
    const running = await insertSaga('running');
    const breakerEvent: OutboxRow = {
      sagaId: null,
      lane: 0,
      topic: 'missing',
      key: 'payments',
      headers: { 'saga-message-id': 'breaker-opened' },
      payload: { participant: 'payments', to: 'open' },
    };
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        breakerEvent,
        { ...outboxRow(ended, 'missing', 'ended'), payload: { type: 'saga.completed' } },
        outboxRow(randomUUID(), 'missing', 'gone'),
        outboxRow(stuck, 'missing', 'stuck'),
        outboxRow(running, 'missing', 'running'),
      ]),
    );
    const publisher = new RecordingPublisher();
    publisher.missing.add('missing');
    const relay = new OutboxRelay(database, publisher, {
      lanes: 1,
      setAsideAfterMs: 0,
      setAside: async (rows) => {
        await database.transaction((sql) => setOutboxRowsAside(sql, rows));
      },
      retryUnheldAfterMs: RETRY_MS,
      retryUnheldTimes: 2,
    });
    let now = 1_000_000;
    /** Lets the retry period pass, then lets the relay release what it may and send it. */
    const retry = async () => {
      await database.query(
        `UPDATE outbox SET set_aside_at = set_aside_at - make_interval(secs => $1)
         WHERE set_aside_at IS NOT NULL`,
        [RETRY_MS / 1000],
      );
      now += RETRY_MS;
      await relay.releaseUnheld(now);
      await relay.drainOnce();
    };

    try {
      await relay.drainOnce();
      await retry();
      await retry();
      expect(await outbox()).toEqual([
        'payments:set aside:2',
        'ended:set aside:2',
        'gone:set aside:2',
        'stuck:set aside:0',
        'running:set aside:2',
      ]);

      await retry();

      expect(await outbox()).toEqual(['stuck:set aside:0', 'running:set aside:3']);
      const deadLetters = await database.query<Record<string, unknown>>(
        `SELECT topic, original_topic, original_partition, original_offset, message_key,
           headers->>'saga-message-id' AS message_id, value, value_truncated, reason, failed_at
         FROM dead_letters ORDER BY id`,
      );
      expect(deadLetters).toEqual(
        ['payments', 'ended', 'gone'].map((key) =>
          expect.objectContaining({
            topic: 'missing.dlq',
            original_topic: 'missing',
            original_partition: null,
            original_offset: null,
            message_key: key,
            value_truncated: false,
            reason: expect.stringMatching(
              /^never sent \(set aside, then tried again 2 times\): UNKNOWN_TOPIC_OR_PARTITION: /,
            ),
            failed_at: expect.any(Date),
          }),
        ),
      );
      // The message as the relay would have sent it: its headers, its value.
      expect(deadLetters[0]!.message_id).toBe('breaker-opened');
      expect(JSON.parse(String(deadLetters[0]!.value))).toEqual(breakerEvent.payload);
      expect(JSON.parse(String(deadLetters[1]!.value))).toEqual({ type: 'saga.completed' });

      // Replayed once the topic is there, it goes out as the relay would have sent it.
      publisher.missing.delete('missing');
      const [first] = await database.query<{ id: string }>(
        `SELECT id::text AS id FROM dead_letters ORDER BY id LIMIT 1`,
      );
      await new DeadLetterReplayer(database, publisher).replayOne(first!.id, 'operator');
      expect(
        publisher.published.map((message) => ({ ...message, value: JSON.parse(message.value!) })),
      ).toEqual([
        {
          topic: 'missing',
          key: 'payments',
          headers: breakerEvent.headers,
          value: breakerEvent.payload,
        },
      ]);

      publisher.missing.add('missing');
      await retry();
      const movedLines = error.mock.calls.filter(([message]) =>
        String(message).includes('is moved to the dead letters'),
      );
      expect(movedLines).toHaveLength(3);
      expect(String(movedLines[0]![0])).toMatch(
        /^outbox row \d+ \(saga none, topic missing\), set aside and tried again 2 times, is moved to the dead letters \(dead letter \d+\): UNKNOWN_TOPIC_OR_PARTITION/,
      );
    } finally {
      error.mockRestore();
    }
  });
});
