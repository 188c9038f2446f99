// How the outbox relay tells a row that can never be sent from a passing failure, on the real
// Postgres, with a publisher that answers as the broker would (kafkajs-shaped errors): a
// transient failure keeps every row for the next pass, a never-sendable one sets its row aside
// only once it has lasted, and meanwhile the other sagas' rows go and the saga's later rows wait.
import { randomUUID } from 'node:crypto';
import {
  Database,
  DEFAULT_DATABASE_TIMEOUTS,
  PoolDatabase,
  type SqlRunner,
  type TransactionOptions,
} from '#postgres';
import {
  enqueueOutbox,
  type OutboxRow,
} from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import type { UndeliverableRow } from '../../../apps/coordinator/src/outbox/set-aside-rows.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { outboxRow } from '../../support/outbox-rows.js';
import { RecordingPublisher } from '../../support/recording-publisher.js';
import { databaseUrl, uniqueName } from '../../support/services.js';

/** A publisher that answers as the broker would, with the topic `missing` unknown to it. */
class BrokerLikePublisher extends RecordingPublisher {
  constructor() {
    super();
    this.missing.add('missing');
  }
}

/** A database that writes down the statements its transactions run, in `statements`. */
class RecordingDatabase extends Database {
  readonly statements: string[] = [];

  constructor(private readonly inner: Database) {
    super();
  }

  get isOpen(): boolean {
    return this.inner.isOpen;
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  query<Row = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<Row[]> {
    return this.inner.query<Row>(sql, parameters);
  }

  transaction<T>(
    work: (sql: SqlRunner) => Promise<T>,
    options?: TransactionOptions<T>,
  ): Promise<T> {
    return this.inner.transaction((sql) => {
      const recorded: SqlRunner = {
        query: <Row>(text: string, parameters?: unknown[]) => {
          this.statements.push(text);
          return sql.query<Row>(text, parameters);
        },
      };
      return work(recorded);
    }, options);
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
    await expect(relay().drainOnce()).rejects.toThrow(/broker unreachable/);
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

  it('claims past the sagas whose rows wait, so that the other sagas of the lane go', async () => {
    const stuck = randomUUID();
    const other = randomUUID();
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        outboxRow(stuck, 'missing', 'w-1'),
        outboxRow(stuck, 'missing', 'w-2'),
        outboxRow(other, 'events', 'w-3'),
      ]),
    );
    const publisher = new BrokerLikePublisher();
    // The lane's first batch is the waiting saga's rows alone.
    const relay = new OutboxRelay(database, publisher, { lanes: 1, batchSize: 2 });

    expect(await relay.drainOnce()).toBe(1);
    expect(publisher.published.map((message) => message.key)).toEqual(['w-3']);
  });
});

describe('the outbox relay sending row by row', () => {
  const schema = uniqueName('it_relay_row_by_row');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));

  const unsentKeys = async (db: Database) =>
    (
      await db.query<{ message_key: string }>(
        `SELECT message_key FROM outbox WHERE sent_at IS NULL ORDER BY id`,
      )
    ).map((r) => r.message_key);

  it('keeps its transaction alive while it sends row by row, for longer than a transaction may idle', async () => {
    const idleMs = 3_000;
    const short = PoolDatabase.connect({
      url: databaseUrl(),
      schema,
      timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, idleInTransactionTimeoutMs: idleMs },
    });
    await short.open();
    try {
      await short.transaction((sql) =>
        enqueueOutbox(sql, [
          outboxRow(randomUUID(), 'missing', 'k-1'),
          ...['k-2', 'k-3', 'k-4'].map((key) => outboxRow(randomUUID(), 'events', key)),
        ]),
      );
      // A broker that takes a third of the idle limit per call: the batch, then four rows.
      const publisher = new BrokerLikePublisher();
      publisher.beforeAnswer = () => new Promise((resolve) => setTimeout(resolve, idleMs / 3));
      const relay = new OutboxRelay(short, publisher, { lanes: 1 });

      expect(await relay.drainOnce()).toBe(3);
      expect(publisher.published.map((message) => message.key)).toEqual(['k-2', 'k-3', 'k-4']);
      expect(await unsentKeys(short)).toEqual(['k-1']);
    } finally {
      await short.query(`DELETE FROM outbox`);
      await short.close();
    }
  }, 60_000);

  it('takes the refusal of a batch of one topic for the topic: its rows share it without a send each', async () => {
    // Each send to a topic that is gone takes kafkajs seconds of retries.
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        outboxRow(randomUUID(), 'missing', 'o-1'),
        outboxRow(randomUUID(), 'missing', 'o-2'),
      ]),
    );
    const publisher = new BrokerLikePublisher();
    const relay = new OutboxRelay(database, publisher, { lanes: 1 });

    try {
      expect(await relay.drainOnce()).toBe(0);
      // The batch alone: its two rows share its verdict.
      expect(publisher.calls).toEqual([['missing']]);
      expect(await unsentKeys(database)).toEqual(['o-1', 'o-2']);
    } finally {
      await database.query(`DELETE FROM outbox`);
    }
  });

  it('keeps its transaction alive by time, not by row: quick sends cost no statement, and the failures one', async () => {
    const keys = ['g-1', 'g-2', 'g-3', 'g-4'];
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        outboxRow(randomUUID(), 'missing', keys[0]!),
        // Its topic was refused a row earlier in the pass: it shares the verdict, unsent.
        outboxRow(randomUUID(), 'missing', keys[1]!),
        // Its payload does not open: set aside unsent.
        { ...outboxRow(randomUUID(), 'events', keys[2]!), payload: { sealed: 'lost-key' } },
        outboxRow(randomUUID(), 'events', keys[3]!),
      ]),
    );
    const publisher = new BrokerLikePublisher();
    const recording = new RecordingDatabase(database);
    const relay = new OutboxRelay(recording, publisher, {
      lanes: 1,
      openPayload: (_sagaId, payload) => {
        if ((payload as { sealed?: string }).sealed !== undefined) throw new Error('no key');
        return payload;
      },
    });

    try {
      expect(await relay.drainOnce()).toBe(1);
      // The batch, then row by row the first row and the last one: the two sends.
      expect(publisher.calls).toEqual([['missing', 'events'], ['missing'], ['events']]);
      // Each quicker than the idle limit: no keep-alive. The two rows refused: one statement.
      expect(recording.statements.filter((text) => text === 'SELECT 1')).toEqual([]);
      const noted = recording.statements.filter((text) => text.includes('SET first_failed_at'));
      expect(noted).toHaveLength(1);
    } finally {
      await database.query(`DELETE FROM outbox WHERE message_key = ANY($1)`, [keys]);
    }
  });

  it('ends its turn row by row after its time budget; the rows not tried go next pass', async () => {
    await database.transaction((sql) =>
      enqueueOutbox(sql, [
        outboxRow(randomUUID(), 'missing', 'b-1'),
        ...['b-2', 'b-3', 'b-4'].map((key) => outboxRow(randomUUID(), 'events', key)),
      ]),
    );
    let now = 1_000_000;
    const publisher = new BrokerLikePublisher();
    // Each call takes 10 s on the relay's clock.
    publisher.beforeAnswer = () => {
      now += 10_000;
    };
    const relay = new OutboxRelay(database, publisher, {
      lanes: 1,
      rowByRowBudgetMs: 15_000,
      clock: () => now,
    });

    // The batch fails (10 s), then b-1 alone (20 s): past the budget, the lane's turn ends.
    expect(await relay.drainOnce()).toBe(0);
    expect(publisher.published).toEqual([]);
    expect(await unsentKeys(database)).toEqual(['b-1', 'b-2', 'b-3', 'b-4']);
    // The next pass sends the others together (10 s), then tries the failing row apart.
    expect(await relay.drainOnce()).toBe(3);
    expect(publisher.published.map((message) => message.key)).toEqual(['b-2', 'b-3', 'b-4']);
    expect(await unsentKeys(database)).toEqual(['b-1']);
  });
});
