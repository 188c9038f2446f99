import type { SagaState, Wakeup } from '#saga-core';
import type { JsonValue, TraceCarrier } from '#contracts';
import { prepared, type SqlRunner } from '#postgres';
import { HEADERS_FROM, storedHeaders } from './outbox-headers.js';

/** A saga as stored: the engine's state and the row version that guards writes to it. */
export interface StoredSaga {
  readonly state: SagaState;
  readonly rowVersion: number;
  readonly idempotencyKey: string;
  /** The W3C context of the saga's trace; null when tracing was off at its start. */
  readonly traceContext: TraceCarrier | null;
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

/** A timer to set (or move): the wakeup comes back to the engine when due. */
export interface TimerRow {
  readonly id: string;
  readonly sagaId: string;
  /** Epoch ms on the database's clock. */
  readonly dueAt: number;
  readonly wakeup: Wakeup;
  /**
   * For a reply timeout: the command it awaits and the timeout's length (ms, scaled). The timer
   * then counts from when that command reached the broker, not from when it was decided.
   */
  readonly awaits?: AwaitedCommand;
}

/** The command a reply timeout awaits: by message id (same decision) or outbox row id. */
export interface AwaitedCommand {
  readonly delayMs: number;
  /** The command's message id, when its outbox row is written in the same statement. */
  readonly messageId?: string;
  /** The command's outbox row id, when already known. */
  readonly outboxId?: string;
}

/** A due timer taken off the table: it fires now, on this instance only. */
export interface DueTimer {
  readonly id: string;
  readonly sagaId: string;
  readonly wakeup: Wakeup;
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
      },
    ]),
  );

const LOCK_SAGAS_TEXT = `SELECT state, row_version, idempotency_key, trace_context FROM sagas
  WHERE id = ANY(ARRAY(SELECT value::uuid FROM jsonb_array_elements_text($1::jsonb)))
  ORDER BY id FOR UPDATE`;
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
 * a decision made on the version before fails its check (see writeDecision).
 */
export async function enqueueOutbox(sql: SqlRunner, rows: OutboxRow[]): Promise<string[]> {
  if (rows.length === 0) return [];
  const inserted = await sql.query<{ id: string }>(
    `WITH queued AS (
       INSERT INTO outbox (saga_id, lane, topic, message_key, headers, payload)
       SELECT x.saga_id, x.lane, x.topic, x.message_key, x.headers, x.payload
       FROM jsonb_to_recordset($1::jsonb) AS x(ord integer, saga_id uuid, lane smallint,
         topic text, message_key text, headers jsonb, payload jsonb)
       ORDER BY x.ord RETURNING id, saga_id),
     moved AS (
       UPDATE sagas SET row_version = row_version + 1
       WHERE id IN (SELECT saga_id FROM queued WHERE saga_id IS NOT NULL))
     SELECT id FROM queued ORDER BY id`,
    [json(outboxRecords(rows))],
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

/**
 * Sets timers (moving any with the same id) and removes cancelled ones, in one statement: the
 * two lists must not share an id (the effect plan keeps them apart).
 */
export async function writeTimers(
  sql: SqlRunner,
  toSet: TimerRow[],
  toCancel: string[],
): Promise<void> {
  if (toSet.length === 0 && toCancel.length === 0) return;
  await sql.query(
    `WITH cancelled AS (
       DELETE FROM timers WHERE id IN (SELECT value FROM jsonb_array_elements_text($1::jsonb)))
     INSERT INTO timers (id, saga_id, due_at, wakeup, command_outbox_id, delay_ms)
     SELECT x.id, x.saga_id, x.due_at, x.wakeup, x.command_outbox_id, x.delay_ms
     FROM jsonb_to_recordset($2::jsonb) AS x(id text, saga_id uuid, due_at timestamptz, wakeup jsonb,
       command_outbox_id bigint, delay_ms bigint)
     ON CONFLICT (id) DO UPDATE SET due_at = EXCLUDED.due_at, wakeup = EXCLUDED.wakeup,
       command_outbox_id = EXCLUDED.command_outbox_id, delay_ms = EXCLUDED.delay_ms`,
    [json(toCancel), json(timerRecords(toSet))],
  );
}

/** Timers as `jsonb_to_recordset` records. */
export function timerRecords(timers: readonly TimerRow[]): object[] {
  return timers.map((t) => ({
    id: t.id,
    saga_id: t.sagaId,
    due_at: iso(t.dueAt),
    wakeup: t.wakeup,
    awaits_message_id: t.awaits?.messageId ?? null,
    command_outbox_id: t.awaits?.outboxId ?? null,
    delay_ms: t.awaits === undefined ? null : Math.round(t.awaits.delayMs),
  }));
}

/**
 * The ids and sagas of up to `limit` timers due by the database's clock (not yet taken). A
 * reply timeout counts from when its command reached the broker: while that command is still
 * in the outbox, or was sent less than the timeout ago, the timer is moved to the command's
 * `sent_at` plus the timeout (or now plus the timeout while unsent) instead of firing. A
 * command row that is gone was sent: on time, removed by the fast path (the timer counts from
 * its decision, at most min(ON_TIME_MS, ON_TIME_SHARE of the timeout) early; released held
 * commands are always kept), or long ago, pruned. Its timer fires as set. With `holdReplyTimeouts`,
 * reply timeouts are left alone (the caller cannot hear replies now).
 */
export async function findDueTimers(
  sql: SqlRunner,
  limit: number,
  holdReplyTimeouts = false,
): Promise<{ id: string; sagaId: string }[]> {
  const rows = await sql.query<{ id: string; saga_id: string }>(
    `WITH due AS (
       SELECT t.id, t.saga_id, t.delay_ms, o.id AS command_id, o.sent_at
       FROM timers t LEFT JOIN outbox o ON o.id = t.command_outbox_id
       WHERE t.due_at <= now()
         -- A timer whose saga is gone (deleted by hand, say) is left to retention, not fired
         -- nor kept at the head of the line.
         AND EXISTS (SELECT 1 FROM sagas s WHERE s.id = t.saga_id)
         AND NOT ($2 AND t.wakeup->>'kind' IN ('reply-timeout', 'compensation-timeout'))
       ORDER BY t.due_at LIMIT $1),
     deferred AS (
       UPDATE timers SET due_at = coalesce(d.sent_at, now()) + make_interval(secs => d.delay_ms / 1000.0)
       FROM due d
       WHERE timers.id = d.id AND d.command_id IS NOT NULL
         AND (d.sent_at IS NULL OR d.sent_at + make_interval(secs => d.delay_ms / 1000.0) > now())
       RETURNING timers.id)
     SELECT id, saga_id FROM due WHERE id NOT IN (SELECT id FROM deferred)`,
    [limit, holdReplyTimeouts],
  );
  return rows.map((row) => ({ id: row.id, sagaId: row.saga_id }));
}

/**
 * Takes the named timers off the table if they are still there and due; the ones returned
 * fire in this transaction, and no other transaction can fire them.
 */
export async function takeTimers(sql: SqlRunner, ids: string[]): Promise<DueTimer[]> {
  if (ids.length === 0) return [];
  const rows = await sql.query<{ id: string; saga_id: string; wakeup: Wakeup }>(
    `DELETE FROM timers WHERE id IN (SELECT value FROM jsonb_array_elements_text($1::jsonb)) AND due_at <= now()
     RETURNING id, saga_id, wakeup`,
    [json(ids)],
  );
  return rows.map((row) => ({ id: row.id, sagaId: row.saga_id, wakeup: row.wakeup }));
}
