// The statement that writes a decision (apps/coordinator/src/persistence/decision-rows.ts) on
// the real Postgres, for a batch as large as the reply consumer hands in past saturation, on
// the generic plan a prepared statement settles on: it joins each saga to the timers it arms
// and cancels without a loop over the batch per saga (which made its time grow with the square
// of the batch: docs/BENCHMARKS.md, "Replies decided in a time linear in their number"), and it
// writes every saga's timers right.
import { randomUUID } from 'node:crypto';
import type { PoolDatabase } from '#postgres';
import type { SagaState } from '#saga-core';
import {
  decisionStatement,
  writeDecision,
  type DecisionRows,
} from '../../../apps/coordinator/src/persistence/decision-rows.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';
import { timerRow } from '../../support/timer-rows.js';

const BATCH = 300;
const FIRST = 'reserve-inventory:reply-timeout:1';
const SECOND = 'charge-payment:reply-timeout:1';

interface PlanNode {
  readonly 'Rows Removed by Join Filter'?: number;
  readonly Plans?: readonly PlanNode[];
}

/** The rows every join of the plan read and threw away (EXPLAIN ANALYZE's join filters). */
function rowsRemovedByJoins(node: PlanNode): number {
  return (node.Plans ?? []).reduce(
    (sum, child) => sum + rowsRemovedByJoins(child),
    node['Rows Removed by Join Filter'] ?? 0,
  );
}

describe('the decision statement over a large batch', () => {
  const schema = uniqueName('it_decision_plan');
  let database: PoolDatabase;

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
  });
  afterAll(async () => {
    await dropMigratedSchema(database, schema);
  });

  /** BATCH running sagas, each waiting on FIRST; a decision that moves each on to SECOND. */
  async function sagasAndTheirNextDecision(): Promise<{
    ids: string[];
    rows: DecisionRows;
    dueAt: number;
  }> {
    const ids = Array.from({ length: BATCH }, () => randomUUID());
    const dueAt = Date.now() + 60_000;
    await database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state, timers, wake_at)
       SELECT id, 'order', 1, 'running', id::text,
         jsonb_build_object('sagaId', id, 'status', 'running', 'steps', '{}'::jsonb),
         jsonb_build_object($2::text, jsonb_build_object('dueAt', $3::bigint)),
         to_timestamp($3 / 1000.0)
       FROM unnest($1::uuid[]) AS id`,
      [ids, FIRST, dueAt],
    );
    const updates = ids.map((sagaId) => ({
      state: { sagaId, status: 'running', steps: {} } as unknown as SagaState,
      rowVersion: 1,
      awaiting: ['payments'],
    }));
    return {
      ids,
      dueAt,
      rows: {
        inserts: [],
        updates,
        unchanged: [],
        audit: [],
        outbox: [],
        timers: ids.map((sagaId) => timerRow(sagaId, SECOND, dueAt + 30_000)),
        cancelledTimers: ids.map((sagaId) => ({ id: `${sagaId}:${FIRST}`, sagaId })),
      },
    };
  }

  it('joins each saga to its timers without a loop over the batch', async () => {
    // Among as many sagas as a busy deployment holds (ended ones, kept for their retention),
    // so that the planner reads the batch's by their key.
    await database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       SELECT id, 'order', 1, 'completed', id::text,
         jsonb_build_object('sagaId', id, 'status', 'completed', 'steps', '{}'::jsonb)
       FROM (SELECT gen_random_uuid() AS id FROM generate_series(1, 20000)) ended`,
    );
    const { rows } = await sagasAndTheirNextDecision();
    await database.query('ANALYZE sagas');
    const { text, values } = decisionStatement(rows, true);

    // As the coordinator runs it: prepared, and on the generic plan Postgres settles on after
    // a few executions (a custom plan, made for the values at hand, may join otherwise). The
    // decision is written (EXPLAIN ANALYZE runs it); the next test starts sagas of its own.
    const plan = await database.transaction(async (sql) => {
      await sql.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
      // A prepared statement outlives the transaction: it is deallocated before the commit.
      await sql.query(`PREPARE decision_plan AS ${text}`);
      try {
        // EXECUTE takes no bound parameters: the values go in as literals.
        const literals = values.map((value) =>
          typeof value === 'number' ? String(value) : `'${String(value).replaceAll("'", "''")}'`,
        );
        const [explained] = await sql.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
          `EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE decision_plan(${literals.join(', ')})`,
        );
        return explained!['QUERY PLAN'][0].Plan;
      } finally {
        await sql.query(`DEALLOCATE decision_plan`);
      }
    });

    // A loop would read the other sagas' timers for each saga: BATCH × (BATCH − 1) per join.
    expect(rowsRemovedByJoins(plan)).toBeLessThan(BATCH);
  });

  it("writes each saga's timers: the one cancelled gone, the one armed in, the bound kept", async () => {
    const { ids, rows, dueAt } = await sagasAndTheirNextDecision();

    await writeDecision(database, rows, true);

    const stored = await database.query<{ keys: string[]; row_version: number; wake_ms: string }>(
      `SELECT array(SELECT jsonb_object_keys(timers)) AS keys, row_version,
         (extract(epoch FROM wake_at) * 1000)::bigint::text AS wake_ms
       FROM sagas WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    expect(stored).toHaveLength(BATCH);
    // The timer armed is due later than the one cancelled: the wake-up bound stays where it was.
    for (const row of stored) {
      expect(row).toEqual({ keys: [SECOND], row_version: 2, wake_ms: String(dueAt) });
    }
  });
});
