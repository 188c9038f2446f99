import type { AuditEntry, SagaState } from '#saga-core';
import { prepared, type SqlRunner } from '#postgres';
import { iso, json, outboxRecords, type NewSaga, type OutboxRow } from './saga-rows.js';
import {
  armedTimers,
  lowerWakeBound,
  OUTBOX_MESSAGE_ID,
  timerKey,
  timerRecords,
  type CancelledTimer,
  type TimerRow,
} from './saga-timers.js';

/** A saga's new state, read at `rowVersion` (written only if still at it). */
export interface SagaUpdate {
  readonly state: SagaState;
  readonly rowVersion: number;
  /** The participants of its steps in flight (see awaitingParticipants). */
  readonly awaiting: readonly string[];
}

/** Everything one decision writes, besides held commands. */
export interface DecisionRows {
  /**
   * New sagas (keys distinct among them), inserted at row version 1: a key another start took
   * fails the statement like a moved saga (40001), and the caller looks the key up again.
   */
  readonly inserts: readonly NewSaga[];
  readonly updates: readonly SagaUpdate[];
  /**
   * The sagas the decision read but left as they were, at the version read: checked like the
   * updated ones (a decision on a state read without a lock, that ignored an event, is valid
   * only if that state is still the stored one).
   */
  readonly unchanged: readonly { readonly sagaId: string; readonly rowVersion: number }[];
  /** Appended; the table refuses updates and deletes. */
  readonly audit: readonly AuditEntry[];
  readonly outbox: readonly OutboxRow[];
  /**
   * Timers to set (moving any with the same id) and to cancel, none in both lists, each of a
   * saga the decision inserts or updates: they are written in its row.
   */
  readonly timers: readonly TimerRow[];
  readonly cancelledTimers: readonly CancelledTimer[];
}

/** What a decision's statement says back about the outbox. */
export interface WrittenOutbox {
  /** The ids of the rows written, in their order. */
  readonly ids: string[];
  /**
   * The rows of the same sagas still unsent when they were written (ids and saga ids as text):
   * what SagaOrderGuard must see sent, or in its batch, before it publishes them.
   */
  readonly unsentBefore: readonly UnsentRow[];
}

/** An outbox row not yet marked sent. */
export interface UnsentRow {
  readonly sagaId: string;
  readonly id: string;
}

/**
 * Writes a decision in one statement, one round trip: the new sagas' rows (a key already taken
 * fails it whole, as a moved saga does), the others' rows (version-checked; the steps are in
 * the state, the timers in the row: see saga-timers.ts), the audit and the outbox, and reads
 * the earlier rows of those sagas still unsent (the statement's snapshot holds none of the rows
 * it inserts). If a
 * saga changed meanwhile the statement fails with a serialization failure (40001) and writes
 * nothing, so it may run alone, outside a transaction: a writer that committed rows of the
 * saga before this statement's snapshot is seen, and one that commits after it moved the
 * saga's version (every decision that writes a saga's rows does), which fails this statement.
 * A saga's update that keeps its status, and arms no timer before its wake-up bound, changes no
 * indexed column, so Postgres can make it HOT.
 * Ids are matched with `= ANY(ARRAY(…))`: the statement's cached plan reads the outbox's
 * indexes however that table grew since it was planned.
 */
export async function writeDecision(
  sql: SqlRunner,
  rows: DecisionRows,
  compactHeaders = false,
): Promise<WrittenOutbox> {
  const { text, values } = decisionStatement(rows, compactHeaders);
  const [result] = await sql.query<{
    outbox_ids: string[];
    unsent_before: { saga_id: string; id: string }[];
  }>(text, values);
  return {
    ids: result?.outbox_ids ?? [],
    unsentBefore: (result?.unsent_before ?? []).map((row) => ({ sagaId: row.saga_id, id: row.id })),
  };
}

/** writeDecision's statement and its parameters (for EXPLAIN in tests). */
export function decisionStatement(
  rows: DecisionRows,
  compactHeaders = false,
): { text: string; values: unknown[] } {
  assertTimersOfWrittenSagas(rows);
  return {
    text: WRITE_DECISION,
    values: [
      json(
        rows.updates.map(({ state, rowVersion, awaiting }) => ({
          id: state.sagaId,
          state,
          status: state.status,
          awaiting,
          row_version: rowVersion,
        })),
      ),
      json(auditRecords(rows.audit)),
      json(rows.cancelledTimers.map((timer) => ({ key: timerKey(timer), saga_id: timer.sagaId }))),
      json(timerRecords(rows.timers)),
      json(outboxRecords(rows.outbox, compactHeaders)),
      rows.inserts.length + rows.updates.length + rows.unchanged.length,
      json(
        rows.unchanged.map(({ sagaId, rowVersion }) => ({ id: sagaId, row_version: rowVersion })),
      ),
      json(newSagaRecords(rows.inserts)),
    ],
  };
}

/**
 * The statement of writeDecision (prepared: its text is fixed). It begins with its name, which
 * is what `pg_stat_activity` shows of it (the first 1 kB of a statement, by default).
 */
const WRITE_DECISION = prepared(
  `/* writeDecision */ WITH outbox_rows AS (
   INSERT INTO outbox (saga_id, lane, topic, message_key, headers, headers_from, payload)
   SELECT x.saga_id, x.lane, x.topic, x.message_key, x.headers, x.headers_from, x.payload
   FROM jsonb_to_recordset($5::jsonb) AS x(ord integer, saga_id uuid, lane smallint,
     topic text, message_key text, headers jsonb, headers_from smallint, payload jsonb)
   ORDER BY x.ord RETURNING id, saga_id, ${OUTBOX_MESSAGE_ID} AS message_id),
 armed AS (
   -- A timer armed again for the same attempt (a resume), its command not in this statement,
   -- keeps the command it awaited.
   ${armedTimers(
     '$4::jsonb',
     'outbox_rows',
     `coalesce(x.outbox_id, CASE WHEN x.awaits_message_id IS NOT NULL
       THEN (SELECT (p.timers->x.key->>'outboxId')::bigint FROM sagas p WHERE p.id = x.saga_id) END)`,
   )}),
 cancelled AS (
   SELECT x.saga_id, array_agg(x.key) AS keys
   FROM jsonb_to_recordset($3::jsonb) AS x(key text, saga_id uuid) GROUP BY x.saga_id),
 inserted AS (
   INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state, trace_context,
     awaiting, timers, wake_at)
   SELECT x.id, x.saga_type, x.saga_version, x.status, x.idempotency_key, x.state, x.trace_context,
     x.awaiting, coalesce(a.entries, '{}'), to_timestamp(a.first_due / 1000.0)
   FROM jsonb_to_recordset($8::jsonb) AS x(id uuid, saga_type text, saga_version integer,
     status text, idempotency_key text, state jsonb, trace_context jsonb, awaiting text[])
   LEFT JOIN armed a ON a.saga_id = x.id
   -- In key order: two statements inserting the same keys wait on each other in one order,
   -- never in a cycle (a deadlock).
   ORDER BY x.saga_type, x.idempotency_key
   ON CONFLICT (saga_type, idempotency_key) DO NOTHING RETURNING sagas.id),
 -- Each saga written with the timers it arms and cancels. Joined before the sagas are, and
 -- kept apart from that join by MATERIALIZED (inlined, the planner would join them after the
 -- sagas, expect one row there, and loop over the whole batch for each saga: a time that grew
 -- with the square of the batch).
 decided AS MATERIALIZED (
   SELECT x.id, x.state, x.status, x.awaiting, x.row_version, a.entries, a.first_due,
     c.keys AS cancelled_keys
   FROM jsonb_to_recordset($1::jsonb)
     AS x(id uuid, state jsonb, status text, awaiting text[], row_version integer)
   LEFT JOIN armed a ON a.saga_id = x.id LEFT JOIN cancelled c ON c.saga_id = x.id),
 updated AS (
   UPDATE sagas SET state = d.state, status = d.status, awaiting = d.awaiting,
     row_version = sagas.row_version + 1, updated_at = now(),
     timers = (sagas.timers - coalesce(d.cancelled_keys, '{}')) || coalesce(d.entries, '{}'),
     -- The earlier of the bound and the first timer armed: a timer disarmed, even the last,
     -- leaves the bound early (the poller moves it), so the update stays HOT. Cleared only
     -- when no timer is left and the status changes, an update that moves indexes anyway.
     wake_at = CASE WHEN d.status <> sagas.status
         AND (sagas.timers - coalesce(d.cancelled_keys, '{}')) || coalesce(d.entries, '{}') = '{}'
       THEN NULL ELSE ${lowerWakeBound('sagas.wake_at', 'd')} END
   FROM decided d
   WHERE sagas.id = d.id AND sagas.row_version = d.row_version RETURNING sagas.id),
 audit AS (
   INSERT INTO saga_audit (saga_id, at, event_type, from_status, to_status, step_id, attempt,
     actor, applied, detail)
   SELECT x.saga_id, x.at, x.event_type, x.from_status, x.to_status, x.step_id, x.attempt,
     x.actor, x.applied, x.detail
   FROM jsonb_to_recordset($2::jsonb) AS x(saga_id uuid, at timestamptz, event_type text,
     from_status text, to_status text, step_id text, attempt integer, actor text,
     applied boolean, detail text)),
 unsent_before AS (
   SELECT o.saga_id, o.id FROM outbox o
   WHERE o.sent_at IS NULL AND o.saga_id = ANY(ARRAY(SELECT saga_id FROM outbox_rows))),
 checked AS (
   SELECT s.id FROM sagas s
   JOIN jsonb_to_recordset($7::jsonb) AS x(id uuid, row_version integer)
     ON s.id = x.id AND s.row_version = x.row_version
   FOR SHARE OF s)
 SELECT saga_rows_changed($6::int,
   ((SELECT count(*) FROM inserted) + (SELECT count(*) FROM updated)
     + (SELECT count(*) FROM checked))::int) AS updated,
   -- Ids as text: JSON numbers past 2^53 would come back rounded (another row's id).
   (SELECT coalesce(json_agg(id::text ORDER BY id), '[]'::json) FROM outbox_rows) AS outbox_ids,
   (SELECT coalesce(json_agg(json_build_object('saga_id', saga_id, 'id', id::text)), '[]'::json)
    FROM unsent_before) AS unsent_before`,
);

/** Timers live in their saga's row: one of a saga the decision does not write would be lost. */
function assertTimersOfWrittenSagas(rows: DecisionRows): void {
  if (rows.timers.length === 0 && rows.cancelledTimers.length === 0) return;
  const written = new Set([...rows.inserts, ...rows.updates].map(({ state }) => state.sagaId));
  for (const { id, sagaId } of [...rows.timers, ...rows.cancelledTimers]) {
    if (!written.has(sagaId)) {
      throw new Error(`timer ${id} is of saga ${sagaId}, which the decision does not write`);
    }
  }
}

/** New sagas as `jsonb_to_recordset` records. */
function newSagaRecords(sagas: readonly NewSaga[]): object[] {
  return sagas.map(({ state, idempotencyKey, traceContext, awaiting }) => ({
    id: state.sagaId,
    saga_type: state.sagaType,
    saga_version: state.sagaVersion,
    status: state.status,
    idempotency_key: idempotencyKey,
    state,
    trace_context: traceContext,
    awaiting,
  }));
}

function auditRecords(entries: readonly AuditEntry[]): object[] {
  return entries.map((e) => ({
    saga_id: e.sagaId,
    at: iso(e.at),
    event_type: e.eventType,
    from_status: e.fromStatus ?? null,
    to_status: e.toStatus,
    step_id: e.stepId ?? null,
    attempt: e.attempt ?? null,
    actor: e.actor ?? null,
    applied: e.applied,
    detail: e.detail,
  }));
}
