// The outbox relay facing a broker slower than a transaction may idle, on the real Postgres: the
// claiming transaction stays alive while a batch publishes, so the batch is marked sent once;
// and a batch whose transaction was lost is not published again at once by a re-run of the
// transaction (the lane's lock went with it), only in a later pass. The publisher holds every
// call until the test lets it answer.
import { randomUUID } from 'node:crypto';
import { DEFAULT_DATABASE_TIMEOUTS, PoolDatabase, type Database } from '#postgres';
import { enqueueOutbox } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { outboxRow } from '../../support/outbox-rows.js';
import { databaseUrl, uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';
import { HeldPublisher } from './held-publisher.js';

describe('the outbox relay with a slow broker', () => {
  const schema = uniqueName('it_relay_slow_broker');
  const idleMs = 2_000;
  let database: Database;
  let short: PoolDatabase;
  let application: string;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));
  beforeEach(async () => {
    application = uniqueName('relay');
    // The relay's own database, whose transactions may idle `idleMs` at most.
    short = PoolDatabase.connect({
      url: databaseUrl(),
      schema,
      applicationName: application,
      timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, idleInTransactionTimeoutMs: idleMs },
    });
    await short.open();
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        outboxRow(randomUUID(), 'events', 'k-1'),
        outboxRow(randomUUID(), 'events', 'k-2'),
      ]),
    );
  });
  afterEach(async () => {
    await short.close();
    await database.query(`DELETE FROM outbox`);
  });

  const unsent = async () =>
    (
      await database.query<{ message_key: string }>(
        `SELECT message_key FROM outbox WHERE sent_at IS NULL ORDER BY id`,
      )
    ).map((row) => row.message_key);
  /** The relay's session, once it waits inside its transaction. */
  const relaySession = () =>
    waitFor('the relay to wait inside its transaction', async () => {
      const [session] = await database.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity
         WHERE application_name = $1 AND state = 'idle in transaction'`,
        [application],
      );
      return session?.pid;
    });

  it('keeps its transaction alive while a batch publishes for longer than it may idle, and marks it sent once', async () => {
    const publisher = new HeldPublisher();
    const relay = new OutboxRelay(short, publisher, { lanes: 1 });

    const drained = relay.drainOnce();
    await waitFor('the batch to publish', () => publisher.calls.length === 1);
    const heldAt = Date.now();
    // The server ends a session idle in its transaction for `idleMs`: twice that passes.
    await waitFor('twice the idle limit to pass', () => Date.now() - heldAt > 2 * idleMs);
    publisher.answer();

    expect(await drained).toBe(2);
    expect(publisher.calls).toEqual([['events']]);
    expect(publisher.published.map((message) => message.key)).toEqual(['k-1', 'k-2']);
    expect(await unsent()).toEqual([]);
  }, 30_000);

  it('does not publish a batch again at once when its transaction was lost; the next pass does', async () => {
    const publisher = new HeldPublisher();
    const relay = new OutboxRelay(short, publisher, { lanes: 1 });

    const drained = relay.drainOnce();
    await waitFor('the batch to publish', () => publisher.calls.length === 1);
    const pid = await relaySession();
    await database.query(`SELECT pg_terminate_backend($1)`, [pid]);
    await waitFor('the session to end', async () => {
      const sessions = await database.query(`SELECT 1 FROM pg_stat_activity WHERE pid = $1`, [pid]);
      return sessions.length === 0;
    });
    publisher.answer();

    await expect(drained).rejects.toThrow();
    expect(publisher.calls).toHaveLength(1);
    expect(await unsent()).toEqual(['k-1', 'k-2']);
    // At least once: the next pass publishes the batch again, and marks it sent.
    expect(await relay.drainOnce()).toBe(2);
    expect(publisher.calls).toHaveLength(2);
    expect(await unsent()).toEqual([]);
  }, 30_000);
});
