// The outbox relay keeps a saga's order across lanes, on the real Postgres: a saga's rows may lie
// in two lanes once OUTBOX_LANES changed (or while instances with two values roll), and the
// relay drains lanes one after another, so a later row in a lower lane must wait for the earlier
// one in a higher lane.
import { randomUUID } from 'node:crypto';
import type { Database } from '#postgres';
import {
  enqueueOutbox,
  type OutboxRow,
} from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { outboxRow } from '../../support/outbox-rows.js';
import { RecordingPublisher } from '../../support/recording-publisher.js';
import { uniqueName } from '../../support/services.js';

describe('the outbox relay, with a saga in two lanes', () => {
  const schema = uniqueName('it_relay_lanes');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));

  const row = (sagaId: string, lane: number, key: string) =>
    outboxRow(sagaId, 'commands', key, lane);
  const commit = (rows: OutboxRow[]) => database.transaction((sql) => enqueueOutbox(sql, rows));

  it("sends a saga's later row in a lower lane only after its earlier row in a higher lane", async () => {
    const saga = randomUUID();
    const other = randomUUID();
    // Written under 32 lanes, then under 16: the command first, its compensation after.
    await commit([row(saga, 21, 'command')]);
    await commit([row(saga, 5, 'compensation'), row(other, 5, 'other')]);
    const publisher = new RecordingPublisher();
    const relay = new OutboxRelay(database, publisher, { lanes: 16 });

    await relay.drainOnce();
    await relay.drainOnce();

    expect(publisher.published.map((message) => message.key)).toEqual([
      'other',
      'command',
      'compensation',
    ]);
    const [left] = await database.query<{ count: string }>(
      `SELECT count(*) FROM outbox WHERE sent_at IS NULL`,
    );
    expect(Number(left?.count)).toBe(0);
  });

  it("sends a breaker's later event in a lower lane only after its earlier one in a higher lane (rows of no saga, by topic and key)", async () => {
    const event = (lane: number, what: string): OutboxRow => ({
      sagaId: null,
      lane,
      topic: 'saga.breakers',
      key: 'payments',
      headers: {},
      payload: { what },
    });
    await commit([event(21, 'opened')]);
    await commit([event(5, 'closed')]);
    const publisher = new RecordingPublisher();
    const relay = new OutboxRelay(database, publisher, { lanes: 16 });

    await relay.drainOnce();
    await relay.drainOnce();

    expect(publisher.published.map((message) => JSON.parse(message.value!).what)).toEqual([
      'opened',
      'closed',
    ]);
  });
});
