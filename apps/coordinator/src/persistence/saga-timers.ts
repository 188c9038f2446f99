import { HEADERS } from '#contracts';
import { wakeupOfTimerKey, type Wakeup } from '#saga-core';
import { prepared, type SqlRunner } from '#postgres';

/*
 * A saga's pending timers live in its row: `timers`, a jsonb object of `{dueAt (epoch ms),
 * outboxId?, delayMs?}` by timer key (the timer's id without the saga id before it, which also
 * says what it wakes the saga for: wakeupOfTimerKey), which no index reads, and `wake_at`, a
 * lower bound of their earliest due time (null only when there are none; a bound may outlive
 * its last timer until the poller finds it; the poller puts it off for a saga whose state does
 * not open: putOffWakeups), which the partial index
 * `sagas_wake_idx` reads. A decision that arms a timer later than `wake_at`, or disarms one,
 * leaves it as it is, so the update changes no indexed column and stays HOT: a reply timeout
 * armed as the one before it is disarmed falls after it. The bound is cleared when no timer is
 * left only by an update that changes the saga's status (and so its indexes) anyway. The
 * poller reads the sagas whose bound has passed, fires their due timers and sets the bound to
 * their next due time exactly (null when none is left).
 */

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

/** A timer cancelled: its id and its saga's. */
export interface CancelledTimer {
  readonly id: string;
  readonly sagaId: string;
}

/** A due timer taken off its saga's row: it fires now, on this instance only. */
export interface DueTimer {
  readonly id: string;
  readonly sagaId: string;
  readonly wakeup: Wakeup;
}

/**
 * A timer's key among its saga's timers: its id without the saga id and the ':' after it.
 * Throws for an id the engine does not build (stepWakeupId, deadlineWakeupId).
 */
export function timerKey({ id, sagaId }: { id: string; sagaId: string }): string {
  const key = id.slice(sagaId.length + 1);
  if (!id.startsWith(`${sagaId}:`) || wakeupOfTimerKey(key) === undefined) {
    throw new Error(`timer ${id} of saga ${sagaId} is not an id the engine builds`);
  }
  return key;
}

/**
 * The timers taken by their keys off the rows of their sagas, as the engine knows them. Every
 * key written passed timerKey, or was adopted as TIMER_KEY matches it; one put in a row by hand
 * that names no wake-up is dropped, since there is nothing to wake the saga for.
 */
function dueTimers(rows: readonly { saga_id: string; key: string }[]): DueTimer[] {
  return rows.flatMap(({ saga_id: sagaId, key }) => {
    const wakeup = wakeupOfTimerKey(key);
    return wakeup === undefined ? [] : [{ id: `${sagaId}:${key}`, sagaId, wakeup }];
  });
}

/** The keys wakeupOfTimerKey reads, as a Postgres regular expression. */
const TIMER_KEY = `'^(deadline|[^:]+:(retry|reply-timeout|compensation-retry|compensation-timeout):[1-9][0-9]*)$'`;

/** Timers as `jsonb_to_recordset` records (see TIMER_RECORD_COLUMNS). */
export function timerRecords(timers: readonly TimerRow[]): object[] {
  return timers.map((t) => ({
    key: timerKey(t),
    saga_id: t.sagaId,
    due_ms: Math.round(t.dueAt),
    awaits_message_id: t.awaits?.messageId ?? null,
    outbox_id: t.awaits?.outboxId ?? null,
    delay_ms: t.awaits === undefined ? null : Math.round(t.awaits.delayMs),
  }));
}

/** The columns of timerRecords, for `jsonb_to_recordset(…) AS x(${TIMER_RECORD_COLUMNS})`. */
const TIMER_RECORD_COLUMNS = `key text, saga_id uuid, due_ms bigint,
  awaits_message_id text, outbox_id bigint, delay_ms bigint`;

/** A timer's entry in its saga's `timers`, from a record `x` and the awaited row's id. */
const timerEntry = (outboxId: string) =>
  `jsonb_strip_nulls(jsonb_build_object('dueAt', x.due_ms, 'outboxId', ${outboxId},
    'delayMs', x.delay_ms))`;

/** An outbox row's message id, to return: in its headers, or in its payload when they are left out. */
export const OUTBOX_MESSAGE_ID = `coalesce(headers->>'${HEADERS.messageId}', payload->>'messageId')`;

/**
 * A query of each saga's timers armed (the records of parameter `records`): `saga_id`,
 * `entries` (to add to its row's timers) and `first_due`. A reply timeout is linked to the row
 * of `commands` (outbox rows just written, with their `id` and OUTBOX_MESSAGE_ID as
 * `message_id`) of the command it awaits, else to `otherwise`. Joined, not a subquery per
 * timer: a start's decision arms hundreds.
 */
export function armedTimers(records: string, commands: string, otherwise = 'x.outbox_id'): string {
  return `SELECT x.saga_id, jsonb_object_agg(x.key, ${timerEntry(`coalesce(o.id, ${otherwise})`)})
      AS entries,
    min(x.due_ms) AS first_due
  FROM jsonb_to_recordset(${records}) AS x(${TIMER_RECORD_COLUMNS})
  LEFT JOIN (SELECT message_id, min(id) AS id FROM ${commands} GROUP BY message_id) o
    ON o.message_id = x.awaits_message_id
  GROUP BY x.saga_id`;
}

/**
 * A saga's wake-up bound once the timers armed are added: `armed` names a row with their
 * `first_due` (one of armedTimers, `a` by default).
 */
export const lowerWakeBound = (current: string, armed = 'a') =>
  `least(${current}, to_timestamp(${armed}.first_due / 1000.0))`;

/** Whether the timer of key `key` is a reply timeout (of a command or of its compensation). */
const isReplyTimeout = (key: string) => `${key} ~ ':(reply|compensation)-timeout:[0-9]+$'`;
const NOW_MS = `(extract(epoch FROM now()) * 1000)`;

/** A saga definition's name and version, as the sagas table records them. */
export interface SagaVersion {
  readonly sagaType: string;
  readonly sagaVersion: number;
}

/**
 * Up to `limit` sagas whose wake-up bound has passed by the database's clock, earliest first,
 * of the definition versions `known` (the caller's: the timers of a version it does not know,
 * during a rolling update or before a definition registered elsewhere reaches it, are left to
 * an instance that knows it, instead of being taken off the row and refused by the engine).
 * With `holdReplyTimeouts` (the caller cannot hear replies now), only those with another due
 * timer than a reply timeout.
 */
export async function findSagasDue(
  sql: SqlRunner,
  limit: number,
  holdReplyTimeouts: boolean,
  known: readonly SagaVersion[],
): Promise<string[]> {
  const rows = await sql.query<{ id: string }>(
    prepared(`SELECT id FROM sagas
     WHERE wake_at <= now()
       AND (saga_type, saga_version) IN (SELECT k.saga_type, k.saga_version
         FROM jsonb_to_recordset($3::jsonb) AS k(saga_type text, saga_version integer))
       AND (NOT $2 OR EXISTS (SELECT 1 FROM jsonb_each(timers) e
         WHERE (e.value->>'dueAt')::float8 <= ${NOW_MS}
           AND NOT ${isReplyTimeout('e.key')}))
     ORDER BY wake_at LIMIT $1`),
    [
      limit,
      holdReplyTimeouts,
      JSON.stringify(known.map((v) => ({ saga_type: v.sagaType, saga_version: v.sagaVersion }))),
    ],
  );
  return rows.map((row) => row.id);
}

/** Sagas of one definition version with timers overdue, and since when the oldest is due. */
export interface OverdueVersion extends SagaVersion {
  readonly sagas: number;
  readonly dueSince: Date;
}

/**
 * The definition versions other than `known` with sagas whose wake-up is overdue by `overdueMs`
 * or more: an instance that cannot run them leaves their timers (findSagasDue), so they wait
 * until one that can fires them, for ever if none runs (a release rolled back past the one that
 * defined the version). One read of `sagas_wake_idx`.
 */
export async function findOverdueOfOtherVersions(
  sql: SqlRunner,
  known: readonly SagaVersion[],
  overdueMs: number,
): Promise<OverdueVersion[]> {
  const rows = await sql.query<{
    saga_type: string;
    saga_version: number;
    sagas: string;
    due_since: Date;
  }>(
    `SELECT saga_type, saga_version, count(*)::text AS sagas, min(wake_at) AS due_since
     FROM sagas
     WHERE wake_at <= now() - make_interval(secs => $2)
       AND (saga_type, saga_version) NOT IN (SELECT k.saga_type, k.saga_version
         FROM jsonb_to_recordset($1::jsonb) AS k(saga_type text, saga_version integer))
     GROUP BY saga_type, saga_version ORDER BY saga_type, saga_version`,
    [
      JSON.stringify(known.map((v) => ({ saga_type: v.sagaType, saga_version: v.sagaVersion }))),
      overdueMs / 1000,
    ],
  );
  return rows.map((row) => ({
    sagaType: row.saga_type,
    sagaVersion: Number(row.saga_version),
    sagas: Number(row.sagas),
    dueSince: row.due_since,
  }));
}

/**
 * Takes the due timers of the named sagas (locked by the caller) off their rows and sets each
 * saga's `wake_at` to its next due time; the timers returned fire in this transaction. A reply
 * timeout counts from when its command reached the broker: while that command is still in the
 * outbox, or was sent less than the timeout ago, it is moved to the command's `sent_at` plus
 * the timeout (or now plus the timeout while unsent) instead of firing. A command row that is
 * gone was sent: on time, removed by the fast path (the timer counts from its decision, at most
 * min(ON_TIME_MS, ON_TIME_SHARE of the timeout) early; released held commands are always kept),
 * or long ago, pruned. With `holdReplyTimeouts`, reply timeouts stay as they are.
 */
export async function takeDueTimers(
  sql: SqlRunner,
  sagaIds: readonly string[],
  holdReplyTimeouts: boolean,
): Promise<DueTimer[]> {
  if (sagaIds.length === 0) return [];
  const rows = await sql.query<{ saga_id: string; key: string }>(
    prepared(`WITH named AS (
       SELECT value::uuid AS id FROM jsonb_array_elements_text($1::jsonb)),
     judged AS (
       SELECT s.id AS saga_id, e.key, e.value AS entry,
         (e.value->>'dueAt')::float8 <= ${NOW_MS} AND NOT ($2 AND ${isReplyTimeout('e.key')}) AS due,
         o.id IS NOT NULL AND e.value ? 'delayMs' AND (o.sent_at IS NULL
           OR o.sent_at + make_interval(secs => (e.value->>'delayMs')::float8 / 1000) > now())
           AS command_late,
         extract(epoch FROM coalesce(o.sent_at, now())) * 1000 + (e.value->>'delayMs')::float8
           AS deferred_ms
       FROM sagas s CROSS JOIN LATERAL jsonb_each(s.timers) e
       LEFT JOIN outbox o ON o.id = (e.value->>'outboxId')::bigint
       WHERE s.id IN (SELECT id FROM named)),
     kept AS (
       SELECT saga_id, jsonb_object_agg(key, CASE WHEN due
           THEN jsonb_set(entry, '{dueAt}', to_jsonb(round(deferred_ms))) ELSE entry END) AS timers,
         min(CASE WHEN due THEN round(deferred_ms) ELSE (entry->>'dueAt')::float8 END) AS first_due
       FROM judged WHERE NOT due OR command_late GROUP BY saga_id),
     taken AS (
       UPDATE sagas s SET timers = coalesce(k.timers, '{}'),
         wake_at = to_timestamp(k.first_due / 1000.0)
       FROM named n LEFT JOIN kept k ON k.saga_id = n.id
       WHERE s.id = n.id)
     SELECT saga_id, key FROM judged WHERE due AND NOT command_late`),
    [JSON.stringify(sagaIds), holdReplyTimeouts],
  );
  return dueTimers(rows);
}

/**
 * Moves the wake-up bound of the named sagas (locked by the caller) `delayMs` past now, their
 * timers as they are: for sagas whose timers cannot fire now (their state does not open), so
 * that, due first, they do not fill every poll before the others.
 */
export async function putOffWakeups(
  sql: SqlRunner,
  sagaIds: readonly string[],
  delayMs: number,
): Promise<void> {
  if (sagaIds.length === 0) return;
  await sql.query(
    `UPDATE sagas SET wake_at = now() + make_interval(secs => $2::float8 / 1000)
     WHERE id = ANY($1::uuid[])`,
    [[...sagaIds], delayMs],
  );
}

/**
 * Moves up to about `limit` timers from the table an earlier release kept them in into their
 * sagas' rows; resolves with how many it moved. The migration to timers in the row leaves them
 * there, where the instances of the earlier release still fire them and write new ones during
 * a rolling update; the instances of this one move them each time they poll. Sagas another
 * transaction holds wait for the next poll; timers of sagas gone, and ids the engine never
 * built, are left to retention.
 */
export async function adoptLegacyTimers(
  sql: Pick<SqlRunner, 'query'>,
  limit: number,
): Promise<number> {
  const [row] = await sql.query<{ moved: number }>(ADOPT_LEGACY_TIMERS, [limit]);
  return row?.moved ?? 0;
}

// A timer the engine armed: its saga's id, ':', and a key wakeupOfTimerKey reads.
const ENGINE_TIMER = `starts_with(t.id, t.saga_id::text || ':')
  AND substr(t.id, length(t.saga_id::text) + 2) ~ ${TIMER_KEY}`;

// The sagas are read by id from the timers found (none, as a rule), never by a scan of sagas.
const ADOPT_LEGACY_TIMERS = `WITH sagas_named AS (
     SELECT s.id FROM sagas s
     WHERE s.id = ANY(ARRAY(SELECT t.saga_id FROM timers t
       WHERE ${ENGINE_TIMER} AND EXISTS (SELECT 1 FROM sagas o WHERE o.id = t.saga_id)
       LIMIT $1))
     ORDER BY s.id FOR UPDATE SKIP LOCKED),
   moved AS (
     DELETE FROM timers t USING sagas_named n WHERE t.saga_id = n.id AND ${ENGINE_TIMER}
     RETURNING substr(t.id, length(t.saga_id::text) + 2) AS key, t.saga_id,
       (extract(epoch FROM t.due_at) * 1000)::bigint AS due_ms,
       t.command_outbox_id AS outbox_id, t.delay_ms),
   armed AS (
     SELECT x.saga_id, jsonb_object_agg(x.key, ${timerEntry('x.outbox_id')}) AS entries,
       min(x.due_ms) AS first_due
     FROM moved x GROUP BY x.saga_id),
   adopted AS (
     UPDATE sagas s SET timers = s.timers || a.entries, wake_at = ${lowerWakeBound('s.wake_at')}
     FROM armed a WHERE s.id = a.saga_id)
   SELECT count(*)::int AS moved FROM moved`;
