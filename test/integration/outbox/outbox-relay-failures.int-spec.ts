// How the outbox relay tells a row that can never be sent from a passing failure, on the real
// Postgres, with a publisher that answers as the broker would (kafkajs-shaped errors): a
// transient failure keeps every row for the next pass, a never-sendable one sets its row aside
// only once it has lasted, and meanwhile the other sagas' rows go and the saga's later rows wait.
import { randomUUID } from 'node:crypto';
import type { Database } from '#postgres';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import {
  enqueueOutbox,
  type OutboxRow,
} from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import type { UndeliverableRow } from '../../../apps/coordinator/src/outbox/set-aside-rows.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { outboxRow } from '../../support/outbox-rows.js';
import { uniqueName } from '../../support/services.js';

/** Refuses what goes to `missing` as a broker does for an unknown topic; fails everything while `down`. */
class BrokerLikePublisher implements MessagePublisher {
  readonly published: OutgoingMessage[] = [];
  down = false;

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (this.down) throw new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092');
    if (messages.some((message) => message.topic === 'missing')) {
      const cause = Object.assign(new Error('This server does not host this topic-partition'), {
        name: 'KafkaJSProtocolError',
        type: 'UNKNOWN_TOPIC_OR_PARTITION',
        retriable: true,
      });
      throw Object.assign(new Error(cause.message), {
        name: 'KafkaJSNumberOfRetriesExceeded',
        cause,
      });
    }
    this.published.push(...messages);
  }
}

describe('the outbox relay facing failures', () => {
  const schema = uniqueName('it_relay_failures');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));

  const row = (sagaId: string, topic: string, key: string) => outboxRow(sagaId, topic, key);
  const commit = (rows: OutboxRow[]) => database.transaction((sql) => enqueueOutbox(sql, rows));
  const unsent = async () =>
    (
      await database.query<{ message_key: string }>(
        `SELECT message_key FROM outbox WHERE sent_at IS NULL ORDER BY id`,
      )
    ).map((r) => r.message_key);

  it('keeps every row on a transient failure, and sets a row aside only once its failure lasted', async () => {
    const poisoned = randomUUID();
    const other = randomUUID();
    await commit([
      row(poisoned, 'events', 'p-1'),
      row(poisoned, 'missing', 'p-2'),
      row(poisoned, 'events', 'p-3'),
      row(other, 'events', 'o-1'),
    ]);
    const publisher = new BrokerLikePublisher();
    const setAside: UndeliverableRow[][] = [];
    let persistMs = 60_000;
    const relay = () =>
      new OutboxRelay(database, publisher, {
        lanes: 1,
        setAsideAfterMs: persistMs,
        setAside: async (rows) => {
          setAside.push([...rows]);
          await database.query(
            `UPDATE outbox SET set_aside_at = now(), set_aside_reason = $2 WHERE id = $1`,
            [rows[0]!.id, rows[0]!.reason],
          );
        },
      });

    publisher.down = true;
    await expect(relay().drainOnce()).rejects.toThrow(/ECONNREFUSED/);
    expect(await unsent()).toEqual(['p-1', 'p-2', 'p-3', 'o-1']);

    publisher.down = false;
    const patient = relay();
    expect(await patient.drainOnce()).toBe(2);
    expect(publisher.published.map((m) => m.key)).toEqual(['p-1', 'o-1']);
    expect(await unsent()).toEqual(['p-2', 'p-3']);
    expect(setAside).toEqual([]);

    persistMs = 0;
    expect(await relay().drainOnce()).toBe(0);
    expect(setAside).toHaveLength(1);
    expect(setAside[0]).toEqual([
      expect.objectContaining({
        sagaId: poisoned,
        topic: 'missing',
        reason: expect.stringMatching(/^UNKNOWN_TOPIC_OR_PARTITION: /),
      }),
    ]);
    // The later row of the saga waits behind the one set aside; nothing else is left.
    expect(await relay().drainOnce()).toBe(0);
    expect(await unsent()).toEqual(['p-2', 'p-3']);
    expect(publisher.published.map((m) => m.key)).toEqual(['p-1', 'o-1']);
  });
});

describe('the outbox relay with a lane whose head keeps failing', () => {
  const schema = uniqueName('it_relay_head');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));

  it('ends its pass over a lane that made no progress, and goes on to the other lanes', async () => {
    const stuck = randomUUID();
    const other = randomUUID();
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        outboxRow(stuck, 'missing', 's-1'),
        outboxRow(stuck, 'missing', 's-2'),
        outboxRow(other, 'events', 'o-1', 1),
      ]),
    );
    const publisher = new BrokerLikePublisher();
    // Two rows a batch: the lane's whole batch fails, and its failure has not lasted yet.
    const relay = new OutboxRelay(database, publisher, { lanes: 2, batchSize: 2 });

    expect(await relay.drainOnce()).toBe(1);
    expect(publisher.published.map((message) => message.key)).toEqual(['o-1']);
  });
});
