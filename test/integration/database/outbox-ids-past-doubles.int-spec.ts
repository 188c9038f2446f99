// Outbox row ids past 2^53 on the real Postgres: a decision's statement says them back exactly
// (as text), for the fast path deletes the rows it published by those ids. As JSON numbers,
// 9007199254740993 came back as …992: another saga's unsent row removed, this one sent twice.
import { randomUUID } from 'node:crypto';
import type { PoolDatabase } from '#postgres';
import type { SagaState } from '#saga-core';
import {
  writeDecision,
  type DecisionRows,
} from '../../../apps/coordinator/src/persistence/decision-rows.js';
import { dropMigratedSchema, openMigratedSchema } from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';

const FIRST_ID = '9007199254740993'; // 2^53 + 1: no double holds it

describe('outbox row ids beyond what a double holds', () => {
  const schema = uniqueName('it_outbox_ids');
  let database: PoolDatabase;
  const sagaId = randomUUID();

  beforeAll(async () => {
    database = await openMigratedSchema(schema);
    await database.query(`ALTER SEQUENCE outbox_id_seq RESTART WITH ${FIRST_ID}`);
    await database.query(
      `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
       VALUES ($1::uuid, 'order', 1, 'running', $1::uuid::text,
         jsonb_build_object('sagaId', $1::uuid, 'status', 'running', 'steps', '{}'::jsonb))`,
      [sagaId],
    );
  });
  afterAll(async () => {
    await dropMigratedSchema(database, schema);
  });

  const decision = (rowVersion: number, n: number): DecisionRows => ({
    inserts: [],
    updates: [
      {
        state: { sagaId, status: 'running', steps: {} } as unknown as SagaState,
        rowVersion,
        awaiting: [],
      },
    ],
    unchanged: [],
    audit: [],
    outbox: [
      {
        sagaId,
        lane: 0,
        topic: 'saga.events',
        key: sagaId,
        headers: { 'saga-message-id': `m-${n}` },
        payload: { n },
      },
    ],
    timers: [],
    cancelledTimers: [],
  });

  it('says back the rows it wrote, and the saga’s rows unsent before them, by their exact ids', async () => {
    const first = await database.transaction((sql) => writeDecision(sql, decision(1, 1)));
    expect(first).toEqual({ ids: [FIRST_ID], unsentBefore: [] });
    const second = await database.transaction((sql) => writeDecision(sql, decision(2, 2)));
    expect(second).toEqual({
      ids: ['9007199254740994'],
      unsentBefore: [{ sagaId, id: FIRST_ID }],
    });
  });
});
