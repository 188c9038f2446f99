// How long a row has failed is the row's, not one relay's, on the real Postgres: two relays (two
// instances) taking turns on a lane to a missing topic set the row aside once its failure has
// lasted since either first saw it, and a row released from set-aside (the topic recreated, the
// saga resumed) waits the whole time again before a new failure sets it aside.
import { randomUUID } from 'node:crypto';
import type { Database } from '#postgres';
import { enqueueOutbox } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { OutboxRelay } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import {
  releaseSetAside,
  setOutboxRowsAside,
  type UndeliverableRow,
} from '../../../apps/coordinator/src/outbox/set-aside-rows.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { outboxRow } from '../../support/outbox-rows.js';
import { RecordingPublisher } from '../../support/recording-publisher.js';
import { uniqueName } from '../../support/services.js';
import { waitFor } from '../../support/wait-for.js';

describe('the outbox relay on several instances, with a topic missing', () => {
  const schema = uniqueName('it_relay_instances');
  const persistMs = 1_000;
  let database: Database;
  let setAside: UndeliverableRow[];
  let publisher: RecordingPublisher;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));
  beforeEach(() => {
    setAside = [];
    publisher = new RecordingPublisher();
    publisher.missing.add('missing');
  });
  afterEach(() => database.query(`DELETE FROM outbox`));

  /** An instance's relay, whose rows are set aside once their failure lasted `afterMs`. */
  const instance = (afterMs: number) =>
    new OutboxRelay(database, publisher, {
      lanes: 1,
      setAsideAfterMs: afterMs,
      setAside: async (rows) => {
        setAside.push(...rows);
        await database.transaction((sql) => setOutboxRowsAside(sql, rows));
      },
    });
  const commitRow = async (sagaId: string) => {
    await database.transaction((sql) => enqueueOutbox(sql, [outboxRow(sagaId, 'missing', 'r-1')]));
  };
  const waitPast = (since: number, ms: number) =>
    waitFor(`${ms} ms to pass`, () => Date.now() - since > ms);

  it('sets a row aside once its failure lasted since another instance first saw it', async () => {
    const sagaId = randomUUID();
    await commitRow(sagaId);
    const first = instance(persistMs);
    const second = instance(persistMs);

    expect(await first.drainOnce()).toBe(0);
    const seenAt = Date.now();
    expect(setAside).toEqual([]);
    await waitPast(seenAt, persistMs);
    expect(await second.drainOnce()).toBe(0);

    expect(setAside).toEqual([expect.objectContaining({ sagaId, topic: 'missing' })]);
  });

  it('gives a row released from set-aside the whole wait again, on every instance', async () => {
    const sagaId = randomUUID();
    await commitRow(sagaId);
    const patient = instance(persistMs);
    const hasty = instance(0);

    expect(await patient.drainOnce()).toBe(0);
    const seenAt = Date.now();
    expect(await hasty.drainOnce()).toBe(0);
    expect(setAside).toHaveLength(1);
    // The topic is recreated and the saga resumed; the broker does not know the topic yet.
    await database.transaction((sql) => releaseSetAside(sql, sagaId));
    await waitPast(seenAt, persistMs);
    expect(await patient.drainOnce()).toBe(0);

    expect(setAside).toHaveLength(1);
    const [row] = await database.query<{ set_aside: boolean }>(
      `SELECT set_aside_at IS NOT NULL AS set_aside FROM outbox WHERE saga_id = $1`,
      [sagaId],
    );
    expect(row?.set_aside).toBe(false);
  });

  it('gives the whole wait again to a row released by an instance of the release before, which knows no failure time', async () => {
    const sagaId = randomUUID();
    await commitRow(sagaId);
    const patient = instance(persistMs);

    expect(await instance(0).drainOnce()).toBe(0);
    const seenAt = Date.now();
    expect(setAside).toHaveLength(1);
    // The release before first_failed_at (0c3418e^) releases a row by its set-aside columns only.
    await database.query(
      `UPDATE outbox SET set_aside_at = NULL, set_aside_reason = NULL WHERE saga_id = $1`,
      [sagaId],
    );
    await waitPast(seenAt, persistMs);
    expect(await patient.drainOnce()).toBe(0);

    expect(setAside).toHaveLength(1);
  });
});
