// The relay's poll when a backlog has piled up (a broker outage): finding the lanes with work
// must cost what the lanes cost, not what the backlog does, and must still find every lane.
import { randomUUID } from 'node:crypto';
import type { Database } from '#postgres';
import { LANES_WITH_WORK } from '../../../apps/coordinator/src/outbox/outbox-relay.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';

/** Shared buffers (hit or read) the statement touched, over the whole plan, workers included. */
async function buffersOf(database: Database, sql: string, params: unknown[]): Promise<number> {
  const [row] = await database.query<{ 'QUERY PLAN': [{ Plan: Record<string, number> }] }>(
    `EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`,
    params,
  );
  const plan = row!['QUERY PLAN'][0].Plan;
  return plan['Shared Hit Blocks']! + plan['Shared Read Blocks']!;
}

describe('the outbox relay finding its lanes with work under a backlog', () => {
  const schema = uniqueName('it_relay_backlog');
  let database: Database;
  const lanes = async (graceSeconds: number) =>
    (await database.query<{ lane: number }>(LANES_WITH_WORK, [graceSeconds])).map(
      (row) => row.lane,
    );
  /** `count` unsent rows spread over `laneCount` lanes from `firstLane`, created `ageSeconds` ago. */
  const pileUp = (count: number, firstLane: number, laneCount: number, ageSeconds: number) =>
    database.query(
      `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload, created_at)
       SELECT gen_random_uuid(), $2 + g % $3, 'orders.commands', 'k', '{}', '{"amount":1}',
              now() - make_interval(secs => $4)
       FROM generate_series(1, $1) AS g`,
      [count, firstLane, laneCount, ageSeconds],
    );

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(() => dropMigratedSchema(database, schema));
  beforeEach(() => database.query('TRUNCATE outbox'));

  it('finds no lane in an empty outbox, nor one whose rows are all within the grace period', async () => {
    expect(await lanes(0)).toEqual([]);
    await pileUp(10, 3, 1, 0);
    expect(await lanes(60)).toEqual([]);
    expect(await lanes(0)).toEqual([3]);
  });

  it('skips rows sent or set aside, finds a lane behind them, and lanes past the configured count', async () => {
    await pileUp(4, 0, 2, 120);
    await pileUp(2, 40, 1, 120); // written when OUTBOX_LANES was higher
    await database.query(`UPDATE outbox SET sent_at = now() WHERE lane = 0`);
    // Lane 7: only an old row set aside. Lane 9: an old row set aside, then a row to send.
    const setAside = (lane: number) =>
      database.query(
        `INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload, created_at,
           set_aside_at)
         VALUES ($1, $2, 'orders.commands', 'k', '{}', '{}', now() - interval '1 hour', now())`,
        [randomUUID(), lane],
      );
    await setAside(7);
    await setAside(9);
    await pileUp(1, 9, 1, 120);
    expect(await lanes(1)).toEqual([1, 9, 40]);
  });

  it('reads a few pages per lane, however many rows wait', async () => {
    await pileUp(50_000, 0, 16, 600);
    await database.query('ANALYZE outbox');
    const heapPages = Number(
      (
        await database.query<{ pages: string }>(
          `SELECT relpages AS pages FROM pg_class WHERE oid = 'outbox'::regclass`,
        )
      )[0]!.pages,
    );
    expect(heapPages).toBeGreaterThan(500); // a scan of the backlog would read them all
    expect(await lanes(1)).toEqual([...Array(16).keys()]);
    // Each lane: one probe to find it, one to find a row old enough (an index path of 2–3 pages).
    expect(await buffersOf(database, LANES_WITH_WORK, [1])).toBeLessThan(16 * 12);
  });
});
