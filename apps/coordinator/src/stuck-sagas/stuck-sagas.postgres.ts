import type { SqlRunner } from '#postgres';
import type { SagaStatus } from '#saga-core';
import { decodeSagaCursor, encodeSagaCursor } from '../persistence/saga-queries.postgres.js';
import { describeRetrying, stepsRetryingSince, type RetryingStep } from './retrying-steps.js';

/**
 * Why a saga is listed: the engine stopped it (`stuck`), or it made no progress for too long
 * (`idle`: its row unchanged, or a step of it retrying without success).
 */
export type StuckKind = 'stuck' | 'idle';

/** A saga that needs an operator's look. */
export interface StuckSaga {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly status: SagaStatus;
  readonly kind: StuckKind;
  /**
   * The engine's reason for a stuck saga; for an idle one `retrying <step> since <ISO time>
   * (attempt <n>)` (or `retrying the compensation of <step> …`) when a step of it retries
   * without success, else `idle since <ISO time>`.
   */
  readonly reason: string;
  readonly createdAt: string;
  /** The last change of the saga's row (each attempt of a step changes it too). */
  readonly updatedAt: string;
  /**
   * Since when it made no progress: when its step began retrying without success, else the
   * last change of its row. The page is ordered by it.
   */
  readonly noProgressSince: string;
}

/**
 * A page of stuck and idle sagas, longest without progress first: since the last change of
 * the row, or since a step of it began retrying without success, whichever is earlier.
 */
export interface StuckSagaPage {
  readonly items: readonly StuckSaga[];
  readonly nextCursor: string | null;
}

/** Options of {@link listStuckSagas}. */
export interface StuckSagaListOptions {
  /**
   * A saga not terminal whose row has not changed for this long (ms), or with a step that has
   * retried without success for this long, counts as idle.
   */
  readonly stuckAfterMs: number;
  readonly limit: number;
  /** The `nextCursor` of the previous page; InvalidCursorError when it is not one. */
  readonly cursor?: string;
}

// A saga not terminal: `stuck` waits for an operator; these two still run.
const ACTIVE = `('running', 'compensating')`;
// Times are the database's, as for timers: instances whose clocks disagree list the same sagas.
// The bound on created_at is implied (a saga changes only after it was created); it lets the
// (status, created_at) index serve the query.
const IDLE_SINCE = `now() - make_interval(secs => $1::double precision / 1000)`;
const OLD_ACTIVE = `(s.status IN ${ACTIVE} AND s.created_at < ${IDLE_SINCE})`;
// A step that fails every attempt (after the pivot it is retried for ever) never leaves the
// row unchanged for long: each failure and each retry writes it. Such a saga is idle too,
// found through the audit log (stepsRetryingSince).
const RETRYING_TOO_LONG = stepsRetryingSince('s', IDLE_SINCE);

interface StuckRow {
  id: string;
  saga_type: string;
  saga_version: number;
  status: SagaStatus;
  created_at: Date | string;
  updated_at: Date | string;
  no_progress_key: string;
  stuck_reason: string | null;
  retrying_step: string | null;
  retrying_compensation: boolean | null;
  retrying_attempt: number | null;
  retrying_since: Date | string | null;
}

/**
 * Lists sagas in status `stuck` and sagas not terminal whose row has not changed for
 * `stuckAfterMs` or with a step retrying without success for that long, the longest without
 * progress first, each with why it is listed.
 */
export async function listStuckSagas(
  sql: SqlRunner,
  options: StuckSagaListOptions,
): Promise<StuckSagaPage> {
  const params: unknown[] = [options.stuckAfterMs];
  const param = (value: unknown): string => `$${params.push(value)}`;
  let after = '';
  if (options.cursor !== undefined) {
    const cursor = decodeSagaCursor(options.cursor);
    after = `AND (q.no_progress_since, s.id) > (${param(cursor.createdAt)}::timestamptz, ${param(cursor.id)}::uuid)`;
  }
  // The sagas that may be listed are read through the (status, created_at) index; for those
  // that may be idle, their step retrying longest is looked up. No progress since then, or
  // since the row's last change.
  const rows = await sql.query<StuckRow>(
    `SELECT s.id, s.saga_type, s.saga_version, s.status, s.created_at, s.updated_at,
       s.state->>'reason' AS stuck_reason, r.step_id AS retrying_step,
       r.compensation AS retrying_compensation, r.attempt AS retrying_attempt,
       r.since AS retrying_since,
       to_char(q.no_progress_since AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS no_progress_key
     FROM sagas s
     LEFT JOIN LATERAL (${RETRYING_TOO_LONG} AND ${OLD_ACTIVE} ORDER BY since LIMIT 1) r ON true
     CROSS JOIN LATERAL (SELECT least(s.updated_at, r.since) AS no_progress_since) q
     WHERE (s.status = 'stuck' OR ${OLD_ACTIVE})
       AND (s.status = 'stuck' OR s.updated_at < ${IDLE_SINCE} OR r.step_id IS NOT NULL) ${after}
     ORDER BY q.no_progress_since, s.id LIMIT ${param(options.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const more = rows.length > options.limit && last !== undefined;
  return {
    items: page.map(toStuckSaga),
    // The saga list's cursor format, carrying the time without progress instead of the
    // creation time.
    nextCursor: more ? encodeSagaCursor({ createdAt: last.no_progress_key, id: last.id }) : null,
  };
}

/**
 * How many sagas are `stuck`, and how many not terminal made no progress for `stuckAfterMs`
 * (their row unchanged, or a step retrying without success for that long), for metrics.
 */
export async function countStuckSagas(
  sql: SqlRunner,
  stuckAfterMs: number,
): Promise<{ stuck: number; idle: number }> {
  // The audit log is read only for the sagas older than `stuckAfterMs` whose row changed
  // since, and only for their steps in a retry loop (OR evaluates left to right).
  const [row] = await sql.query<{ stuck: string; idle: string }>(
    `SELECT count(*) FILTER (WHERE s.status = 'stuck') AS stuck,
       count(*) FILTER (WHERE s.status <> 'stuck'
         AND (s.updated_at < ${IDLE_SINCE} OR EXISTS (${RETRYING_TOO_LONG}))) AS idle
     FROM sagas s WHERE s.status = 'stuck' OR ${OLD_ACTIVE}`,
    [stuckAfterMs],
  );
  return { stuck: Number(row?.stuck ?? 0), idle: Number(row?.idle ?? 0) };
}

/**
 * Why a saga row is listed (pure: the row's status, reason and last update, and its step that
 * has retried without success for too long, if any).
 */
export function describeStuck(row: {
  status: SagaStatus;
  stuckReason: string | null;
  updatedAt: string;
  retrying?: RetryingStep | undefined;
}): { kind: StuckKind; reason: string } {
  if (row.status === 'stuck') {
    return { kind: 'stuck', reason: row.stuckReason ?? 'stuck (the engine gave no reason)' };
  }
  if (row.retrying !== undefined) return { kind: 'idle', reason: describeRetrying(row.retrying) };
  return { kind: 'idle', reason: `idle since ${row.updatedAt}` };
}

function toStuckSaga(row: StuckRow): StuckSaga {
  const updatedAt = new Date(row.updated_at).toISOString();
  return {
    sagaId: row.id,
    sagaType: row.saga_type,
    sagaVersion: row.saga_version,
    status: row.status,
    ...describeStuck({
      status: row.status,
      stuckReason: row.stuck_reason,
      updatedAt,
      retrying: retryingStepOf(row),
    }),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt,
    noProgressSince: new Date(row.no_progress_key).toISOString(),
  };
}

function retryingStepOf(row: StuckRow): RetryingStep | undefined {
  if (row.retrying_step === null || row.retrying_since === null) return undefined;
  return {
    stepId: row.retrying_step,
    compensation: row.retrying_compensation === true,
    attempt: Number(row.retrying_attempt),
    since: new Date(row.retrying_since).toISOString(),
  };
}
