// How the outbox relay stops, on the real Postgres: stop() ends the pass at the batch in hand,
// claiming no other batch and no other lane, so that an instance facing an unreachable broker
// (each batch waiting out kafkajs's retries) still stops within its grace period. The publisher
// holds every call until the test lets it answer: what the relay does after stop() is counted,
// not timed.
import { randomUUID } from 'node:crypto';
import type { Database } from '#postgres';
import { enqueueOutbox } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { outboxRow } from '../../support/outbox-rows.js';
import { RecordingPublisher } from '../../support/recording-publisher.js';
import { uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { HeldPublisher } from './held-publisher.js';

describe('the outbox relay stopping', () => {
  const schema = uniqueName('it_relay_shutdown');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));
  afterEach(() => database.query(`DELETE FROM outbox`));

  const unsent = async () =>
    (
      await database.query<{ message_key: string }>(
        `SELECT message_key FROM outbox WHERE sent_at IS NULL ORDER BY id`,
      )
    ).map((row) => row.message_key);

  it('claims no other lane once stopped while a batch waits on an unreachable broker', async () => {
    const keys = ['l-0', 'l-1', 'l-2', 'l-3'];
    await database.transaction((sql) =>
      enqueueOutbox(
        sql,
        keys.map((key, lane) => outboxRow(randomUUID(), 'events', key, lane)),
      ),
    );
    const publisher = new HeldPublisher();
    publisher.down = true;
    const relay = new OutboxRelay(database, publisher, { lanes: 4 });

    relay.start();
    await waitFor('the first lane to publish', () => publisher.calls.length === 1);
    const stopped = relay.stop();
    publisher.answer();
    await stopped;

    expect(publisher.calls).toHaveLength(1);
    expect(await unsent()).toEqual(keys);
  });

  it('claims no other batch of the lane once stopped; the batch in hand is marked sent', async () => {
    const keys = ['b-1', 'b-2', 'b-3'];
    await database.transaction((sql) =>
      enqueueOutbox(
        sql,
        keys.map((key) => outboxRow(randomUUID(), 'events', key)),
      ),
    );
    const publisher = new HeldPublisher();
    const relay = new OutboxRelay(database, publisher, { lanes: 1, batchSize: 1 });

    relay.start();
    await waitFor('the first batch to publish', () => publisher.calls.length === 1);
    const stopped = relay.stop();
    publisher.answer();
    await stopped;

    expect(publisher.published.map((message) => message.key)).toEqual(['b-1']);
    expect(await unsent()).toEqual(['b-2', 'b-3']);
  });

  it('sends no row one by one once stopped; the rows not tried go in the next pass', async () => {
    const keys = ['r-1', 'r-2', 'r-3'];
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        outboxRow(randomUUID(), 'missing', keys[0]!),
        ...keys.slice(1).map((key) => outboxRow(randomUUID(), 'events', key)),
      ]),
    );
    const publisher = new HeldPublisher();
    publisher.missing.add('missing');
    const relay = new OutboxRelay(database, publisher, { lanes: 1 });

    relay.start();
    await waitFor('the batch to publish', () => publisher.calls.length === 1);
    const stopped = relay.stop();
    // The batch fails for a reason that may be one row's: the relay would go row by row.
    publisher.answer();
    await stopped;

    expect(publisher.calls).toHaveLength(1);
    expect(await unsent()).toEqual(keys);
    // The next instance's pass sends the others, and the failing row waits.
    const next = new RecordingPublisher();
    next.missing.add('missing');
    expect(await new OutboxRelay(database, next, { lanes: 1 }).drainOnce()).toBe(2);
    expect(await unsent()).toEqual(['r-1']);
  });
});
