// Rows of the coordinator's tables written with plain SQL, for tests that read them back.
import { defineSaga } from '#saga-core';
import type { Database } from '#postgres';
import { z } from 'zod';

/** A definition whose step ids jsonb would reorder (it sorts keys by length): reserve-stock, pay, ship. */
export const checkoutSaga = defineSaga({
  name: 'order-checkout',
  version: 1,
  input: z.object({ amount: z.number() }),
  initialContext: (input) => input,
})
  .step({
    id: 'reserve-stock',
    participant: 'inventory',
    command: 'reserve',
    buildCommand: () => ({}),
    compensation: { command: 'release', buildCommand: () => ({}) },
  })
  .step({
    id: 'pay',
    participant: 'payment',
    command: 'charge',
    kind: 'pivot',
    dependsOn: ['reserve-stock'],
    buildCommand: () => ({}),
  })
  .step({
    id: 'ship',
    participant: 'shipping',
    command: 'ship',
    kind: 'retriable',
    dependsOn: ['pay'],
    buildCommand: () => ({}),
  })
  .build();

/** Options of {@link insertSaga}; `createdAt` is an ISO time. */
export interface SagaRowOptions {
  id: string;
  sagaType?: string;
  status: string;
  createdAt: string;
  state?: Record<string, unknown>;
}

/** Inserts a saga row (version 1, idempotency key = id). */
export async function insertSaga(database: Database, options: SagaRowOptions): Promise<void> {
  await database.query(
    `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state, created_at, updated_at)
     VALUES ($1, $2, 1, $3, $4, $5, $6, $6)`,
    [
      options.id,
      options.sagaType ?? 'order-checkout',
      options.status,
      options.id,
      JSON.stringify(options.state ?? { steps: {} }),
      options.createdAt,
    ],
  );
}

/** Inserts a pending timer of a saga's step (the step view's `nextWakeupAt`). */
export async function insertTimer(
  database: Database,
  sagaId: string,
  stepId: string,
  timer: { kind: string; attempt: number; dueAt: string },
): Promise<void> {
  await database.query(
    `UPDATE sagas SET timers = timers || jsonb_build_object($2::text, jsonb_build_object(
       'dueAt', extract(epoch FROM $3::timestamptz) * 1000)),
       wake_at = least(wake_at, $3::timestamptz)
     WHERE id = $1`,
    [sagaId, `${stepId}:${timer.kind}:${timer.attempt}`, timer.dueAt],
  );
}

/** Inserts an audit row at the database's current time. */
export async function insertAudit(
  database: Database,
  sagaId: string,
  entry: {
    eventType: string;
    toStatus: string;
    detail: string;
    fromStatus?: string;
    stepId?: string;
    attempt?: number;
    actor?: string;
    applied?: boolean;
  },
): Promise<void> {
  await database.query(
    `INSERT INTO saga_audit (saga_id, at, event_type, from_status, to_status, step_id, attempt, actor, applied, detail)
     VALUES ($1, clock_timestamp(), $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      sagaId,
      entry.eventType,
      entry.fromStatus ?? null,
      entry.toStatus,
      entry.stepId ?? null,
      entry.attempt ?? null,
      entry.actor ?? null,
      entry.applied ?? true,
      entry.detail,
    ],
  );
}
