// Outbox rows written without the headers their payload gives (OUTBOX_COMPACT_HEADERS), on the
// real Postgres: the row stores only the rest, the relay sends each message with exactly the
// headers it was decided with, and the migration's `down` gives unsent rows their headers back.
import { randomUUID } from 'node:crypto';
import type { QueryRunner } from 'typeorm';
import { commandHeaders, MESSAGE_TYPES, sagaMessageHeaders, type JsonValue } from '#contracts';
import type { Database } from '#postgres';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { writeDecision } from '../../../apps/coordinator/src/persistence/decision-rows.js';
import { CompactOutboxHeaders1765400000001 } from '../../../apps/coordinator/src/persistence/migrations/1765400000001-compact-outbox-headers.js';
import type { OutboxRow } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { RecordingPublisher } from '../../support/recording-publisher.js';
import { uniqueName } from '../../support/services.js';

describe('outbox rows without the headers their payload gives', () => {
  const schema = uniqueName('it_compact_headers');
  let database: Database;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));
  beforeEach(() => database.query('TRUNCATE outbox'));

  /** A command (with its trace context), the saga's event, and a command sealed whole. */
  function rows(): OutboxRow[] {
    const sagaId = randomUUID();
    const command = {
      messageId: `${sagaId}:reserve:execute:1`,
      sagaId,
      sagaType: 'order',
      sagaVersion: 1,
      stepId: 'reserve',
      action: 'execute',
      attempt: 1,
      participant: 'inventory',
      commandType: 'inventory.reserve',
      idempotencyKey: `${sagaId}:reserve`,
      replyTo: 'saga.replies',
      sentAt: new Date().toISOString(),
      payload: { sku: 'A-1' },
    };
    const event = {
      eventId: `${sagaId}:2:0`,
      sagaId,
      sagaType: 'order',
      sagaVersion: 1,
      type: 'saga.step-started',
      at: new Date().toISOString(),
      idempotencyKey: 'order-1',
    };
    const trace = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    const base = { sagaId, lane: 0, key: sagaId };
    return [
      {
        ...base,
        topic: 'inventory.commands',
        headers: { ...commandHeaders(command), ...trace },
        payload: command as JsonValue,
      },
      {
        ...base,
        topic: 'saga.events',
        headers: sagaMessageHeaders(event.eventId, event, MESSAGE_TYPES.event),
        payload: event as JsonValue,
      },
      {
        ...base,
        topic: 'inventory.commands',
        headers: commandHeaders({
          ...command,
          attempt: 2,
          messageId: `${sagaId}:reserve:execute:2`,
        }),
        payload: { sealed: 'v1.sealed-command' },
      },
    ];
  }

  const write = (outbox: OutboxRow[]) =>
    writeDecision(
      database,
      {
        inserts: [],
        updates: [],
        unchanged: [],
        audit: [],
        outbox,
        timers: [],
        cancelledTimers: [],
      },
      true,
    );
  const stored = async () =>
    database.query<{ headers_from: number; headers: Record<string, string> }>(
      `SELECT headers_from, headers FROM outbox ORDER BY id`,
    );

  it('stores only what the payload does not give, and the relay sends every header', async () => {
    const outbox = rows();
    await write(outbox);

    expect(await stored()).toEqual([
      { headers_from: 1, headers: { traceparent: expect.any(String) } },
      { headers_from: 2, headers: {} },
      { headers_from: 0, headers: outbox[2]!.headers },
    ]);
    const publisher = new RecordingPublisher();
    const relay = new OutboxRelay(database, publisher, { lanes: 1 });
    expect(await relay.drainOnce()).toBe(3);
    expect(publisher.published.map((message) => message.headers)).toEqual(
      outbox.map((row) => row.headers),
    );
  });

  it('gives unsent rows their headers back when the migration is undone', async () => {
    const outbox = rows();
    await write(outbox);
    const runner = { query: (sql: string) => database.query(sql) } as unknown as QueryRunner;

    await new CompactOutboxHeaders1765400000001().down(runner);
    try {
      const headers = await database.query<{ headers: Record<string, string> }>(
        `SELECT headers FROM outbox ORDER BY id`,
      );
      expect(headers.map((row) => row.headers)).toEqual(outbox.map((row) => row.headers));
    } finally {
      await new CompactOutboxHeaders1765400000001().up(runner);
    }
  });
});
