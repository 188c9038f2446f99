// The outbox on the real Postgres: the fast path publishes committed rows at once and removes
// them (marks them sent when they went late); what it could not publish stays unsent until the
// relay, after its grace period, publishes it (DESIGN.md, "Outbox relay").
import { jest } from '@jest/globals';
import type { Database } from '#postgres';
import type { MessagePublisher } from '#saga-core';
import {
  enqueueOutbox,
  type OutboxRow,
} from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxFastPath } from '../../../apps/coordinator/src/outbox/outbox-fast-path.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { RecordingPublisher } from '../../support/recording-publisher.js';
import { uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

const row = (n: number): OutboxRow => ({
  sagaId: '00000000-0000-4000-8000-00000000000' + (n % 10),
  lane: n % 2,
  topic: 'saga.events',
  key: `k-${n}`,
  headers: { 'saga-message-id': `m-${n}` },
  payload: { n },
});

describe('the outbox fast path and its relay', () => {
  const schema = uniqueName('it_outbox');
  let database: Database;
  const open = (_sagaId: string | null, payload: unknown) => payload;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));

  const commit = (rows: OutboxRow[]) => database.transaction((sql) => enqueueOutbox(sql, rows));
  const unsent = async (ids: string[]) =>
    (
      await database.query<{ id: string }>(
        `SELECT id FROM outbox WHERE sent_at IS NULL AND id = ANY($1::bigint[])`,
        [ids],
      )
    ).map((r) => String(r.id));

  const stored = async (ids: string[]) =>
    (
      await database.query<{ id: string; sent: boolean }>(
        `SELECT id::text AS id, sent_at IS NOT NULL AS sent FROM outbox WHERE id = ANY($1::bigint[])
         ORDER BY id`,
        [ids],
      )
    ).map((r) => ({ id: r.id, sent: r.sent }));

  it('removes the rows sent by their deadline, and keeps the others marked with their sent time', async () => {
    // A clock the publisher moves: each publish is acknowledged 100 ms after it began.
    let now = 1_000_000;
    const publisher = new RecordingPublisher();
    const timed: MessagePublisher = {
      publish: async (messages) => {
        await publisher.publish(messages);
        now += 100;
      },
    };
    // An event no timeout awaits, a command acknowledged at its deadline, one a millisecond
    // after it; then a row handed over with no deadlines at all.
    const rows = [row(1), row(2), row(3)];
    const deadlines = new Map([
      ['k-1', Number.POSITIVE_INFINITY],
      ['k-2', now + 100],
      ['k-3', now + 99],
    ]);
    const ids = await commit(rows);
    const unknown = [row(4)];
    const unknownIds = await commit(unknown);
    const fastPath = new OutboxFastPath(database, timed, open, () => now);
    fastPath.publish(ids, rows, undefined, (r) => deadlines.get(r.key)!);
    await waitFor('the first publish', async () => publisher.published.length === 3);
    fastPath.publish(unknownIds, unknown);
    await fastPath.stop();
    expect(publisher.published.map((m) => m.key)).toEqual(['k-1', 'k-2', 'k-3', 'k-4']);
    // Gone: a reply timeout awaiting one of them fires as set, from its decision. Kept: the
    // late row's timeout, and any of the last one's, count from their sent time.
    expect(await stored([...ids, ...unknownIds])).toEqual([
      { id: ids[2], sent: true },
      { id: unknownIds[0], sent: true },
    ]);
  });

  it('removes the rows it published that the relay does not hold, without waiting for the rows the relay holds', async () => {
    const publisher = new RecordingPublisher();
    const fastPath = new OutboxFastPath(database, publisher, open);
    const rows = [row(5), row(6)];
    const ids = await commit(rows);
    // The relay claimed the first row (it was older than its grace) and holds it while it
    // publishes: its own mark follows. A removal that waited for it would wait out the lock
    // timeout, then fail whole, and every row of the batch be published again.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let taken!: () => void;
    const lockTaken = new Promise<void>((resolve) => (taken = resolve));
    const relay = database.transaction(async (sql) => {
      await sql.query(`SELECT id FROM outbox WHERE id = $1 FOR UPDATE`, [ids[0]]);
      taken();
      await released;
    });
    await lockTaken;

    fastPath.publish(ids, rows, undefined, () => Number.POSITIVE_INFINITY);

    try {
      await waitFor(
        'the row the relay does not hold removed',
        async () => (await stored([ids[1]!])).length === 0,
      );
      expect(await stored([ids[0]!])).toEqual([{ id: ids[0], sent: false }]);
    } finally {
      release();
      await relay;
    }
    await fastPath.stop();
    // As the relay marks it once published (the later tests' sagas are not held behind it).
    await database.query(`UPDATE outbox SET sent_at = now() WHERE id = $1`, [ids[0]]);
  });

  it('publishes committed rows at once, in commit order, and leaves none unsent', async () => {
    const publisher = new RecordingPublisher();
    const fastPath = new OutboxFastPath(database, publisher, open);
    const first = [row(1), row(2)];
    const second = [row(3)];
    const firstIds = await commit(first);
    const secondIds = await commit(second);
    fastPath.publish(firstIds, first);
    fastPath.publish(secondIds, second);
    await fastPath.stop();
    expect(publisher.published.map((m) => m.key)).toEqual(['k-1', 'k-2', 'k-3']);
    expect(JSON.parse(publisher.published[0]!.value!)).toEqual({ n: 1 });
    expect(await unsent([...firstIds, ...secondIds])).toEqual([]);
  });

  it('leaves what it could not publish to the relay, which takes it only after the grace period', async () => {
    const broken = new RecordingPublisher();
    broken.down = true;
    const fastPath = new OutboxFastPath(database, broken, open);
    const rows = [row(4), row(5)];
    const ids = await commit(rows);
    fastPath.publish(ids, rows);
    await fastPath.stop();
    expect(await unsent(ids)).toEqual(ids);

    const publisher = new RecordingPublisher();
    const patient = new OutboxRelay(database, publisher, { lanes: 2, graceMs: 60_000 });
    expect(await patient.drainOnce()).toBe(0);
    const relay = new OutboxRelay(database, publisher, { lanes: 2, graceMs: 200 });
    await waitFor('the rows to outlive the grace period', async () =>
      (await relay.drainOnce()) > 0 ? true : undefined,
    );
    expect(publisher.published.map((m) => m.key).sort()).toEqual(['k-4', 'k-5']);
    expect(await unsent(ids)).toEqual([]);
  });

  describe("a saga's messages leave in the order they were decided", () => {
    const sagaRow = (sagaId: string, key: string): OutboxRow => ({
      sagaId,
      lane: 1,
      topic: 'x.commands',
      key,
      headers: { 'saga-message-id': key },
      payload: { key },
    });
    const X = '00000000-0000-4000-8000-0000000000a1';
    const Y = '00000000-0000-4000-8000-0000000000a2';
    const Z = '00000000-0000-4000-8000-0000000000a3';

    it('keeps a later row of a saga behind an earlier one whose send failed, and lets other sagas go', async () => {
      const publisher = new RecordingPublisher();
      const fastPath = new OutboxFastPath(database, publisher, open);
      publisher.down = true;
      const command = [sagaRow(X, 'x-command')];
      const commandIds = await commit(command);
      fastPath.publish(commandIds, command);
      await fastPath.stop();

      publisher.down = false;
      const later = new OutboxFastPath(database, publisher, open);
      const compensation = [sagaRow(X, 'x-compensation')];
      const other = [sagaRow(Y, 'y-command')];
      const compensationIds = await commit(compensation);
      const otherIds = await commit(other);
      later.publish(compensationIds, compensation);
      later.publish(otherIds, other);
      await later.stop();
      expect(publisher.published.map((m) => m.key)).toEqual(['y-command']);
      expect(await unsent([...commandIds, ...compensationIds])).toEqual([
        ...commandIds,
        ...compensationIds,
      ]);

      const relay = new OutboxRelay(database, publisher, { lanes: 2, graceMs: 0 });
      await relay.drainOnce();
      expect(publisher.published.map((m) => m.key)).toEqual([
        'y-command',
        'x-command',
        'x-compensation',
      ]);
    });

    it('sends what the broker takes of a batch it refuses for one topic, and leaves that topic to the relay a while', async () => {
      const publisher = new RecordingPublisher();
      publisher.missing.add('gone.commands');
      const fastPath = new OutboxFastPath(database, publisher, open);
      const A = '00000000-0000-4000-8000-0000000000b1';
      const B = '00000000-0000-4000-8000-0000000000b2';
      const C = '00000000-0000-4000-8000-0000000000b3';
      const to = (sagaId: string, topic: string, key: string): OutboxRow => ({
        ...sagaRow(sagaId, key),
        topic,
      });
      const batch = [
        to(A, 'gone.commands', 'a-command'),
        to(B, 'saga.events', 'b-event'),
        to(A, 'saga.events', 'a-event'), // behind a-command: it must not overtake it
        to(B, 'saga.events', 'b-later-event'), // with b-event: nothing of B is left
        to(C, 'x.commands', 'c-command'),
      ];
      const batchIds = await commit(batch);
      fastPath.publish(batchIds, batch);
      await waitFor('the batch to be sent as the broker takes it', () =>
        publisher.published.length === 3 ? true : undefined,
      );
      expect(publisher.published.map((m) => m.key)).toEqual([
        'b-event',
        'b-later-event',
        'c-command',
      ]);

      // The refused topic is not tried again for a while: its rows go to the relay at once.
      const next = [to(C, 'gone.commands', 'c-later'), to(B, 'saga.events', 'b-later')];
      fastPath.publish(await commit(next), next);
      await fastPath.stop();
      expect(publisher.published.map((m) => m.key)).toEqual([
        'b-event',
        'b-later-event',
        'c-command',
        'b-later',
      ]);
      // Tried in the first batch only: with the others, then alone.
      const tried = publisher.calls.flat().filter((topic) => topic === 'gone.commands');
      expect(tried).toHaveLength(2);
      expect(await unsent(batchIds)).toEqual([batchIds[0], batchIds[2]]);
    });

    it('keeps a later row behind an earlier one that another instance has not sent yet', async () => {
      const publisher = new RecordingPublisher();
      const earlier = [sagaRow(Z, 'z-first')];
      await commit(earlier); // committed elsewhere, never handed to this fast path
      const fastPath = new OutboxFastPath(database, publisher, open);
      const next = [sagaRow(Z, 'z-second')];
      fastPath.publish(await commit(next), next);
      await fastPath.stop();
      expect(publisher.published).toEqual([]);
    });

    it('keeps a breaker event behind its participant’s earlier one whose send failed (rows of no saga, by topic and key)', async () => {
      const event = (key: string, id: string): OutboxRow => ({
        sagaId: null,
        lane: 0,
        topic: 'x.events',
        key,
        headers: { 'saga-message-id': id },
        payload: { id },
      });
      const sentEvents = () =>
        publisher.published
          .filter((message) => message.topic === 'x.events')
          .map((message) => message.headers['saga-message-id']);
      const publisher = new RecordingPublisher();
      const fastPath = new OutboxFastPath(database, publisher, open);
      publisher.down = true;
      const opened = [event('payments', 'payments-opened')];
      fastPath.publish(await commit(opened), opened);
      await fastPath.stop();

      publisher.down = false;
      const later = new OutboxFastPath(database, publisher, open);
      const closed = [event('payments', 'payments-closed')];
      const other = [event('shipping', 'shipping-opened')];
      later.publish(await commit(closed), closed);
      later.publish(await commit(other), other);
      await later.stop();
      expect(sentEvents()).toEqual(['shipping-opened']);

      await new OutboxRelay(database, publisher, { lanes: 2, graceMs: 0 }).drainOnce();
      expect(sentEvents()).toEqual(['shipping-opened', 'payments-opened', 'payments-closed']);
    });

    describe('told which earlier rows were unsent when its rows were written (writeDecision)', () => {
      /** The order checks the guard reads from the database. */
      const orderQueries = () => {
        const seen: string[] = [];
        const query = database.query.bind(database);
        const spy = jest
          .spyOn(database, 'query')
          .mockImplementation((...args: Parameters<Database['query']>) => {
            if (args[0].includes('JOIN outbox o ON o.saga_id')) seen.push(args[0]);
            return query(...args);
          });
        return { seen, restore: () => spy.mockRestore() };
      };

      it('publishes a row after an earlier one it published itself, in order', async () => {
        const publisher = new RecordingPublisher();
        const fastPath = new OutboxFastPath(database, publisher, open);
        const W = '00000000-0000-4000-8000-0000000000a6';
        const command = [sagaRow(W, 'w-command')];
        const commandIds = await commit(command);
        fastPath.publish(commandIds, command, []);
        await waitFor('the command to go', () => publisher.published.length === 1);
        // Decided while the command's sent mark may not have committed yet.
        const reply = [sagaRow(W, 'w-next')];
        fastPath.publish(await commit(reply), reply, [{ sagaId: W, id: commandIds[0]! }]);
        await fastPath.stop();
        expect(publisher.published.map((m) => m.key)).toEqual(['w-command', 'w-next']);
      });

      it('publishes a saga with no earlier unsent row without any query', async () => {
        const publisher = new RecordingPublisher();
        const fastPath = new OutboxFastPath(database, publisher, open);
        const rows = [sagaRow('00000000-0000-4000-8000-0000000000a7', 'u-1')];
        const queries = orderQueries();
        try {
          fastPath.publish(await commit(rows), rows, []);
          await fastPath.stop();
        } finally {
          queries.restore();
        }
        expect(publisher.published.map((m) => m.key)).toEqual(['u-1']);
        expect(queries.seen).toEqual([]);
      });

      it('reads again, and holds, a saga whose earlier row another instance has not sent', async () => {
        const publisher = new RecordingPublisher();
        const T = '00000000-0000-4000-8000-0000000000a8';
        const earlierIds = await commit([sagaRow(T, 't-first')]); // decided elsewhere
        const fastPath = new OutboxFastPath(database, publisher, open);
        const next = [sagaRow(T, 't-second')];
        fastPath.publish(await commit(next), next, [{ sagaId: T, id: earlierIds[0]! }]);
        await fastPath.stop();
        expect(publisher.published).toEqual([]);
      });
    });

    it('holds a saga whose batch spans a row another instance has not sent yet', async () => {
      const publisher = new RecordingPublisher();
      const V = '00000000-0000-4000-8000-0000000000a5';
      const first = [sagaRow(V, 'v-1')];
      const firstIds = await commit(first);
      await commit([sagaRow(V, 'v-2')]); // decided elsewhere, not handed to this fast path
      const third = [sagaRow(V, 'v-3')];
      const thirdIds = await commit(third);
      const fastPath = new OutboxFastPath(database, publisher, open);
      fastPath.publish([...firstIds, ...thirdIds], [...first, ...third]);
      await fastPath.stop();
      expect(publisher.published.filter((m) => m.key.startsWith('v-'))).toEqual([]);
      await new OutboxRelay(database, publisher, { lanes: 2, graceMs: 0 }).drainOnce();
      const ofV = publisher.published.map((m) => m.key).filter((key) => key.startsWith('v-'));
      expect(ofV).toEqual(['v-1', 'v-2', 'v-3']);
    });

    it('leaves to the relay a row handed over before an earlier row of its saga', async () => {
      const publisher = new RecordingPublisher();
      const W = '00000000-0000-4000-8000-0000000000a4';
      const first = [sagaRow(W, 'w-1')];
      const second = [sagaRow(W, 'w-2')];
      const firstIds = await commit(first);
      const secondIds = await commit(second);
      const fastPath = new OutboxFastPath(database, publisher, open);
      fastPath.publish(secondIds, second);
      fastPath.publish(firstIds, first);
      await fastPath.stop();
      expect(publisher.published.map((m) => m.key)).toEqual(['w-1']);
      expect(await unsent(secondIds)).toEqual(secondIds);
      await new OutboxRelay(database, publisher, { lanes: 2, graceMs: 0 }).drainOnce();
      const ofW = publisher.published.map((m) => m.key).filter((key) => key.startsWith('w-'));
      expect(ofW).toEqual(['w-1', 'w-2']);
    });
  });
});
