// The floor's Postgres side: the coordinator's tables (same columns, keys, indexes and fillfactor,
// minus the tables no saga of the bench writes or reads) in a schema of its own, and the multi-row statements that
// write one batch of decisions. Each statement takes its rows as one JSON array parameter.
import type pg from 'pg';
import type { FloorAuditEntry, FloorSagaState } from './floor-saga.js';
import { FLOOR_REPLY_TIMEOUT_MS, FLOOR_SAGA } from './floor-saga.js';

/** Creates the floor's tables in `schema` (the connection's search_path must name it). */
export async function createFloorSchema(client: pg.ClientBase, schema: string): Promise<void> {
  await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  await client.query(`
    CREATE TABLE IF NOT EXISTS sagas (
      id uuid PRIMARY KEY,
      saga_type text NOT NULL,
      saga_version integer NOT NULL,
      status text NOT NULL,
      idempotency_key text NOT NULL,
      state jsonb NOT NULL,
      row_version integer NOT NULL DEFAULT 1,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      trace_context jsonb,
      awaiting text[] NOT NULL DEFAULT '{}',
      timers jsonb NOT NULL DEFAULT '{}',
      wake_at timestamptz,
      CONSTRAINT sagas_idempotency_key_unique UNIQUE (saga_type, idempotency_key)
    ) WITH (fillfactor = 50);
    CREATE INDEX IF NOT EXISTS sagas_wake_idx ON sagas (wake_at) WHERE wake_at IS NOT NULL;
    CREATE INDEX IF NOT EXISTS sagas_created_idx ON sagas (created_at, id);
    CREATE INDEX IF NOT EXISTS sagas_status_created_idx ON sagas (status, created_at, id);
    CREATE INDEX IF NOT EXISTS sagas_type_created_idx ON sagas (saga_type, created_at, id);
    CREATE TABLE IF NOT EXISTS saga_audit (
      id bigserial NOT NULL,
      saga_id uuid NOT NULL,
      at timestamptz NOT NULL,
      event_type text NOT NULL,
      from_status text,
      to_status text NOT NULL,
      step_id text,
      attempt integer,
      actor text,
      applied boolean NOT NULL,
      detail text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS saga_audit_saga_idx ON saga_audit (saga_id, id);
    CREATE TABLE IF NOT EXISTS outbox (
      id bigserial PRIMARY KEY,
      saga_id uuid,
      lane smallint NOT NULL,
      topic text NOT NULL,
      message_key text NOT NULL,
      headers jsonb NOT NULL,
      headers_from smallint NOT NULL DEFAULT 0,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      sent_at timestamptz
    );
    CREATE INDEX IF NOT EXISTS outbox_unsent_idx ON outbox (lane, id) WHERE sent_at IS NULL;
    CREATE INDEX IF NOT EXISTS outbox_sent_idx ON outbox (sent_at) WHERE sent_at IS NOT NULL;`);
}

/** A new saga to insert, unless its idempotency key already started one. */
export interface NewSagaRow {
  readonly state: FloorSagaState;
  readonly idempotencyKey: string;
}

/**
 * Inserts the new sagas with their first state in one statement; resolves with the ids of
 * those inserted (a key already there started its saga before). Replies need no claim: the
 * saga's state fences every answer but the one its step awaits.
 */
export async function claim(
  client: pg.ClientBase,
  sagas: readonly NewSagaRow[],
): Promise<ReadonlySet<string>> {
  const result = await client.query<{ id: string }>(
    // wake_at: the bound of the first reply timeout, which the batch's write arms (as the
    // coordinator's start inserts its saga with it), so that write leaves it and stays HOT.
    `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state, awaiting,
       wake_at)
     SELECT x.id, x.saga_type, x.saga_version, x.status, x.idempotency_key, x.state, x.awaiting,
       now() + make_interval(secs => $2::float8 / 1000)
     FROM json_to_recordset($1::json) AS x(id uuid, saga_type text, saga_version integer,
       status text, idempotency_key text, state jsonb, awaiting text[])
     ON CONFLICT (saga_type, idempotency_key) DO NOTHING RETURNING id::text AS id`,
    [
      JSON.stringify(
        sagas.map(({ state, idempotencyKey }) => ({
          id: state.sagaId,
          saga_type: state.sagaType,
          saga_version: state.sagaVersion,
          status: state.status,
          idempotency_key: idempotencyKey,
          state,
          awaiting: awaitingOf(state),
        })),
      ),
      FLOOR_REPLY_TIMEOUT_MS,
    ],
  );
  return new Set(result.rows.map((row) => row.id));
}

/** A saga as read back: its state and the row version that guards the next write. */
export interface StoredFloorSaga {
  readonly state: FloorSagaState;
  readonly rowVersion: number;
}

/** Reads sagas the process does not hold in memory (after a restart or a failed batch). */
export async function loadSagas(
  client: pg.ClientBase,
  sagaIds: readonly string[],
): Promise<Map<string, StoredFloorSaga>> {
  const result = await client.query<{ id: string; state: FloorSagaState; row_version: number }>(
    `SELECT id::text, state, row_version FROM sagas WHERE id = ANY($1::uuid[])`,
    [sagaIds],
  );
  return new Map(
    result.rows.map((row) => [row.id, { state: row.state, rowVersion: row.row_version }]),
  );
}

/** A saga's new state, written if its row still has `rowVersion`. */
export interface SagaUpdate {
  readonly state: FloorSagaState;
  readonly rowVersion: number;
}

/**
 * An outbox row: the message as published, its JSON already serialised; its headers, which its
 * body gives, are left out as the coordinator leaves them out (`headers_from`: 1 a command, 2 a
 * saga event).
 */
export interface OutboxEntry {
  readonly sagaId: string;
  readonly lane: number;
  readonly topic: string;
  readonly key: string;
  readonly headersFrom: 1 | 2;
  /** JSON of the message body. */
  readonly value: string;
}

/** Everything one batch writes besides the claim. */
export interface BatchWrites {
  readonly updates: readonly SagaUpdate[];
  readonly audit: readonly (FloorAuditEntry & { readonly sagaId: string })[];
  readonly outbox: readonly OutboxEntry[];
  /** Timers armed and cancelled, in the decisions' order. */
  readonly timers: readonly {
    readonly id: string;
    readonly sagaId: string;
    readonly armed: boolean;
  }[];
  /** Outbox rows of earlier batches published since: removed here. */
  readonly sent: readonly string[];
}

/** A saga changed since the process read it: the batch must be redone from the stored state. */
export class RowVersionConflict extends Error {
  override readonly name = 'RowVersionConflict';
}

/**
 * Writes a batch in one statement (its sub-statements all run to completion, whether read or
 * not): saga rows (row-version checked; the steps are in the state), audit lines, outbox rows in order (their
 * ids returned), timers set and cancelled in the rows, earlier batches' outbox rows removed once published
 * (the outbox is only appended to and removed from, as the coordinator's fast path does).
 * Throws RowVersionConflict when a saga was changed by someone else (roll the transaction back).
 */
export async function writeBatch(client: pg.ClientBase, writes: BatchWrites): Promise<string[]> {
  const timers = timersBySaga(writes);
  const result = await client.query<{ updated: number; outbox_ids: string[] }>(
    // Timers in the row, as the coordinator keeps them (its saga-timers.ts): armed ones are due
    // after the reply timeout, and move the wake-up bound only to an earlier time.
    `WITH updated AS (
       UPDATE sagas s SET state = x.state, status = x.status, awaiting = x.awaiting,
         row_version = s.row_version + 1, updated_at = now(),
         timers = (s.timers - x.cancel) || x.armed,
         wake_at = CASE WHEN x.status <> s.status AND (s.timers - x.cancel) || x.armed = '{}' THEN NULL
           WHEN x.armed = '{}' THEN s.wake_at
           ELSE least(s.wake_at, now() + make_interval(secs => $5::float8 / 1000)) END
       FROM (SELECT r.*, coalesce((SELECT jsonb_object_agg(key, jsonb_build_object(
             'dueAt', round(extract(epoch FROM now()) * 1000 + $5::float8)))
           FROM unnest(r.armed_keys) key), '{}') AS armed
         FROM json_to_recordset($1::json) AS r(id uuid, state jsonb, status text,
           awaiting text[], row_version integer, armed_keys text[], cancel text[])) x
       WHERE s.id = x.id AND s.row_version = x.row_version RETURNING 1),
     audit AS (
       INSERT INTO saga_audit (saga_id, at, event_type, from_status, to_status, step_id, attempt, actor, applied, detail)
       SELECT x.saga_id, now(), x.event_type, x.from_status, x.to_status, x.step_id, x.attempt, x.actor, x.applied, x.detail
       FROM json_to_recordset($2::json) AS x(saga_id uuid, event_type text, from_status text,
         to_status text, step_id text, attempt integer, actor text, applied boolean, detail text)),
     outbox_rows AS (
       INSERT INTO outbox (saga_id, lane, topic, message_key, headers, headers_from, payload)
       SELECT x.saga_id, x.lane, x.topic, x.message_key, '{}', x.headers_from, x.payload
       FROM json_to_recordset($3::json)
         AS x(ord integer, saga_id uuid, lane smallint, topic text, message_key text,
           headers_from smallint, payload jsonb)
       ORDER BY x.ord RETURNING id),
     sent AS (DELETE FROM outbox WHERE id = ANY($4::bigint[]))
     SELECT (SELECT count(*) FROM updated)::int AS updated,
            (SELECT coalesce(array_agg(id), '{}') FROM outbox_rows) AS outbox_ids`,
    [
      JSON.stringify(
        writes.updates.map(({ state, rowVersion }) => ({
          id: state.sagaId,
          state,
          status: state.status,
          awaiting: awaitingOf(state),
          row_version: rowVersion,
          armed_keys: [...(timers.get(state.sagaId)?.armed ?? [])],
          cancel: timers.get(state.sagaId)?.cancel ?? [],
        })),
      ),
      JSON.stringify(
        writes.audit.map((entry) => ({
          saga_id: entry.sagaId,
          event_type: entry.eventType,
          from_status: entry.fromStatus,
          to_status: entry.toStatus,
          step_id: entry.stepId,
          attempt: entry.attempt,
          actor: entry.actor,
          applied: entry.applied,
          detail: entry.detail,
        })),
      ),
      outboxJson(writes.outbox),
      writes.sent,
      FLOOR_REPLY_TIMEOUT_MS,
    ],
  );
  const row = result.rows[0]!;
  if (row.updated !== writes.updates.length) {
    throw new RowVersionConflict(
      `${writes.updates.length - row.updated} saga(s) changed since they were read`,
    );
  }
  return row.outbox_ids;
}

/**
 * Each saga's timers armed and cancelled, by key (the id without the saga id, as the
 * coordinator keys them), in the decisions' order.
 */
function timersBySaga(writes: BatchWrites): Map<string, { armed: Set<string>; cancel: string[] }> {
  const bySaga = new Map<string, { armed: Set<string>; cancel: string[] }>();
  for (const { id, sagaId, armed } of writes.timers) {
    let timers = bySaga.get(sagaId);
    if (timers === undefined) bySaga.set(sagaId, (timers = { armed: new Set(), cancel: [] }));
    const key = id.slice(sagaId.length + 1);
    if (armed) {
      timers.armed.add(key);
    } else {
      timers.armed.delete(key);
      timers.cancel.push(key);
    }
  }
  return bySaga;
}

/** Removes published outbox rows, on its own (when no batch comes along to carry it). */
export async function removePublished(
  client: pg.ClientBase,
  ids: readonly string[],
): Promise<void> {
  await client.query(`DELETE FROM outbox WHERE id = ANY($1::bigint[])`, [ids]);
}

/** The outbox JSON, built around the already serialised bodies. */
function outboxJson(rows: readonly OutboxEntry[]): string {
  const parts = rows.map(
    (row, ord) =>
      `{"ord":${ord},"saga_id":"${row.sagaId}","lane":${row.lane},"topic":${JSON.stringify(row.topic)},` +
      `"message_key":"${row.key}","headers_from":${row.headersFrom},"payload":${row.value}}`,
  );
  return `[${parts.join(',')}]`;
}

/** The participants of the saga's steps in flight, one per step (the row's `awaiting`). */
function awaitingOf(state: FloorSagaState): string[] {
  return Object.values(state.steps)
    .filter((step) => step.status === 'running' || step.status === 'compensating')
    .map(() => FLOOR_SAGA.participant);
}
