import type { SagaState } from '#saga-core';
import type { JsonValue, TraceCarrier } from '#contracts';
import { prepared, type SqlRunner } from '#postgres';
import { HEADERS_FROM, storedHeaders } from './outbox-headers.js';
import {
  armedTimers,
  lowerWakeBound,
  OUTBOX_MESSAGE_ID,
  timerRecords,
  type TimerRow,
} from './saga-timers.js';

/** A saga as stored: the engine's state and the row version that guards writes to it. */
export interface StoredSaga {
  readonly state: SagaState;
  readonly rowVersion: number;
  readonly idempotencyKey: string;
  /** The W3C context of the saga's trace; null when tracing was off at its start. */
  readonly traceContext: TraceCarrier | null;
  /**
   * The participants the saga has commands held for (a later command to one of them waits
   * behind those); absent when none. Every write that holds or releases one moves the row's
   * version; a held command its saga no longer awaits may still be named until a release takes
   * it off (its next command is held once more: late, never out of order).
   */
  readonly heldFor?: readonly string[];
}

/** A message to publish once the transaction commits (the outbox row). */
export interface OutboxRow {
  /** Null for messages that concern no one saga (a participant's breaker events). */
  readonly sagaId: string | null;
  readonly lane: number;
  readonly topic: string;
  readonly key: string;
  readonly headers: Record<string, string>;
  readonly payload: JsonValue;
}

/** The participant a saga's step commands (from its definition). */
export type ParticipantOf = (state: SagaState, stepId: string) => string | undefined;

/**
 * The participants of a saga's steps in flight (running, or compensating), one entry per step:
 * the row's `awaiting`, which the load per participant counts.
 */
export function awaitingParticipants(state: SagaState, participantOf: ParticipantOf): string[] {
  const awaiting: string[] = [];
  for (const [stepId, step] of Object.entries(state.steps)) {
    if (step.status !== 'running' && step.status !== 'compensating') continue;
    const participant = participantOf(state, stepId);
    if (participant !== undefined) awaiting.push(participant);
  }
  return awaiting;
}

export const json = (value: unknown): string => JSON.stringify(value);
export const iso = (epochMs: number): string => new Date(epochMs).toISOString();

/** The database's clock in epoch ms, fixed for the transaction (every instance shares it). */
export async function databaseNow(sql: SqlRunner): Promise<number> {
  if (sql.transactionStart !== undefined) return sql.transactionStart;
  const [row] = await sql.query<{ now: number }>(
    `SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`,
  );
  return Math.floor(Number(row?.now));
}

/** Raw columns of a saga row, as lockSagas reads them. */
interface SagaColumns {
  state: SagaState;
  row_version: number;
  idempotency_key: string;
  trace_context: TraceCarrier | null;
  held_for: string[];
}

const toStored = (rows: readonly SagaColumns[]): Map<string, StoredSaga> =>
  new Map(
    rows.map((row) => [
      row.state.sagaId,
      {
        state: row.state,
        rowVersion: row.row_version,
        idempotencyKey: row.idempotency_key,
        traceContext: row.trace_context,
        ...(row.held_for.length > 0 && { heldFor: row.held_for }),
      },
    ]),
  );

// NO KEY UPDATE: a decision never changes a saga's id or key. It excludes other decisions and
// retention's delete (FOR UPDATE) alike, but not the key-share lock by which the audit's
// retention keeps a saga from being deleted while it carries the saga's lines.
const LOCK_SAGAS_TEXT = `SELECT state, row_version, idempotency_key, trace_context,
    ARRAY(SELECT DISTINCT h.participant FROM held_commands h WHERE h.saga_id = sagas.id)
      AS held_for
  FROM sagas WHERE id = ANY(ARRAY(SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb)))
  ORDER BY id FOR NO KEY UPDATE`;
const LOCK_SAGAS = prepared(LOCK_SAGAS_TEXT);
const LOCK_SAGAS_SKIP_LOCKED = prepared(`${LOCK_SAGAS_TEXT} SKIP LOCKED`);

/**
 * Locks the named sagas for this transaction, in id order (so two instances never deadlock on
 * them). With `skipLocked`, sagas another transaction holds are left out instead of awaited.
 */
export async function lockSagas(
  sql: SqlRunner,
  sagaIds: string[],
  skipLocked = false,
): Promise<Map<string, StoredSaga>> {
  if (sagaIds.length === 0) return new Map();
  const rows = await sql.query<SagaColumns>(skipLocked ? LOCK_SAGAS_SKIP_LOCKED : LOCK_SAGAS, [
    json([...new Set(sagaIds)]),
  ]);
  return toStored(rows);
}

/** A saga found by its idempotency key, with its input as stored. */
export interface KeyedSaga {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly status: SagaState['status'];
  readonly input: JsonValue;
}

/** A saga type and an idempotency key: what names a start request. */
export interface SagaKey {
  readonly sagaType: string;
  readonly idempotencyKey: string;
}

/** The key of a saga type and an idempotency key in the maps below. */
export const keyOf = (key: SagaKey): string => JSON.stringify([key.sagaType, key.idempotencyKey]);

/** The sagas that the given type and idempotency key pairs started, by keyOf, with their input. */
export async function findByIdempotencyKeys(
  sql: SqlRunner,
  keys: readonly SagaKey[],
): Promise<Map<string, KeyedSaga>> {
  if (keys.length === 0) return new Map();
  const rows = await sql.query<{
    id: string;
    saga_type: string;
    saga_version: number;
    idempotency_key: string;
    status: SagaState['status'];
    input: JsonValue;
  }>(
    prepared(`SELECT s.id, s.saga_type, s.saga_version, s.idempotency_key, s.status, s.state->'input' AS input
     FROM sagas s JOIN jsonb_to_recordset($1::jsonb) AS k(saga_type text, idempotency_key text)
       ON s.saga_type = k.saga_type AND s.idempotency_key = k.idempotency_key`),
    [json(keys.map((k) => ({ saga_type: k.sagaType, idempotency_key: k.idempotencyKey })))],
  );
  return new Map(
    rows.map((row) => [
      keyOf({ sagaType: row.saga_type, idempotencyKey: row.idempotency_key }),
      {
        sagaId: row.id,
        sagaType: row.saga_type,
        sagaVersion: row.saga_version,
        status: row.status,
        input: row.input,
      },
    ]),
  );
}

/** A new saga to insert (see writeDecision). */
export interface NewSaga {
  readonly state: SagaState;
  readonly idempotencyKey: string;
  readonly traceContext: TraceCarrier | null;
  /** The participants of its steps in flight (see awaitingParticipants). */
  readonly awaiting: readonly string[];
}

/**
 * Queues messages in the outbox, to publish after the commit; resolves with their row ids. The
 * sagas they belong to move to a new row version, as every write of a saga's outbox rows does:
 * a decision made on the version before fails its check (see writeDecision). The same update
 * arms `timers` in their rows (each of a saga with a message here, else this throws; call with
 * those sagas locked), a reply timeout linked to the row of the command its `awaits` names.
 */
export async function enqueueOutbox(
  sql: SqlRunner,
  rows: OutboxRow[],
  timers: readonly TimerRow[] = [],
): Promise<string[]> {
  const sagas = new Set(rows.map((row) => row.sagaId));
  const stray = timers.find((timer) => !sagas.has(timer.sagaId));
  if (stray !== undefined) {
    throw new Error(`timer ${stray.id} is of saga ${stray.sagaId}, which has no message here`);
  }
  if (rows.length === 0) return [];
  const inserted = await sql.query<{ id: string }>(
    `WITH queued AS (
       INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload)
       SELECT x.saga_id, x.lane, x.topic, x.message_key, x.headers, x.payload
       FROM jsonb_to_recordset($1::jsonb) AS x(ord integer, saga_id uuid, lane smallint,
         topic text, message_key text, headers jsonb, payload jsonb)
       ORDER BY x.ord RETURNING id, saga_id, ${OUTBOX_MESSAGE_ID} AS message_id),
     armed AS (${armedTimers('$2::jsonb', 'queued')}),
     moved AS (
       UPDATE sagas s SET row_version = s.row_version + 1,
         timers = s.timers || coalesce(a.entries, '{}'), wake_at = ${lowerWakeBound('s.wake_at')}
       FROM (SELECT DISTINCT saga_id FROM queued WHERE saga_id IS NOT NULL) q
       LEFT JOIN armed a ON a.saga_id = q.saga_id
       WHERE s.id = q.saga_id)
     SELECT id FROM queued ORDER BY id`,
    [json(outboxRecords(rows)), json(timerRecords(timers))],
  );
  return inserted.map((row) => String(row.id));
}

/**
 * Outbox rows as `jsonb_to_recordset` records, `ord` keeping their order; with `compactHeaders`,
 * without the headers their payload gives (see outbox-headers.ts).
 */
export function outboxRecords(rows: readonly OutboxRow[], compactHeaders = false): object[] {
  return rows.map((r, ord) => {
    const stored = compactHeaders
      ? storedHeaders(r.headers, r.payload)
      : { from: HEADERS_FROM.nothing, headers: r.headers };
    return {
      ord,
      saga_id: r.sagaId,
      lane: r.lane,
      topic: r.topic,
      message_key: r.key,
      headers: stored.headers,
      headers_from: stored.from,
      payload: r.payload,
    };
  });
}
