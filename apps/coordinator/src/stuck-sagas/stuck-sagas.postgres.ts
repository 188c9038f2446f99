import type { SqlRunner } from '#postgres';
import type { SagaStatus } from '#saga-core';
import { decodeSagaCursor, encodeSagaCursor } from '../persistence/saga-queries.postgres.js';

/** Why a saga is listed: the engine stopped it (`stuck`), or it made no progress for too long (`idle`). */
export type StuckKind = 'stuck' | 'idle';

/** A saga that needs an operator's look. */
export interface StuckSaga {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly sagaVersion: number;
  readonly status: SagaStatus;
  readonly kind: StuckKind;
  /** The engine's reason for a stuck saga; `idle since <ISO time>` for an idle one. */
  readonly reason: string;
  readonly createdAt: string;
  /** The last change of the saga's row: its last progress. */
  readonly updatedAt: string;
}

/** A page of stuck and idle sagas, longest without progress first. */
export interface StuckSagaPage {
  readonly items: readonly StuckSaga[];
  readonly nextCursor: string | null;
}

/** Options of {@link listStuckSagas}. */
export interface StuckSagaListOptions {
  /** A saga not terminal whose row has not changed for this long (ms) counts as idle. */
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
const IDLE = `(status IN ${ACTIVE} AND updated_at < ${IDLE_SINCE} AND created_at < ${IDLE_SINCE})`;

interface StuckRow {
  id: string;
  saga_type: string;
  saga_version: number;
  status: SagaStatus;
  created_at: Date | string;
  updated_at: Date | string;
  updated_key: string;
  stuck_reason: string | null;
}

/**
 * Lists sagas in status `stuck` and sagas not terminal whose row has not changed for
 * `stuckAfterMs`, the longest without progress first, each with why it is listed.
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
    after = `AND (updated_at, id) > (${param(cursor.createdAt)}::timestamptz, ${param(cursor.id)}::uuid)`;
  }
  const rows = await sql.query<StuckRow>(
    `SELECT id, saga_type, saga_version, status, created_at, updated_at, state->>'reason' AS stuck_reason,
       to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS updated_key
     FROM sagas WHERE (status = 'stuck' OR ${IDLE}) ${after}
     ORDER BY updated_at, id LIMIT ${param(options.limit + 1)}`,
    params,
  );
  const page = rows.slice(0, options.limit);
  const last = page.at(-1);
  const more = rows.length > options.limit && last !== undefined;
  return {
    items: page.map(toStuckSaga),
    // The saga list's cursor format, carrying the update time instead of the creation time.
    nextCursor: more ? encodeSagaCursor({ createdAt: last.updated_key, id: last.id }) : null,
  };
}

/** How many sagas are `stuck`, and how many not terminal made no progress for `stuckAfterMs` (for metrics). */
export async function countStuckSagas(
  sql: SqlRunner,
  stuckAfterMs: number,
): Promise<{ stuck: number; idle: number }> {
  const [row] = await sql.query<{ stuck: string; idle: string }>(
    `SELECT count(*) FILTER (WHERE status = 'stuck') AS stuck, count(*) FILTER (WHERE ${IDLE}) AS idle
     FROM sagas WHERE status = 'stuck' OR status IN ${ACTIVE}`,
    [stuckAfterMs],
  );
  return { stuck: Number(row?.stuck ?? 0), idle: Number(row?.idle ?? 0) };
}

/** Why a saga row is listed (pure: the row's status, reason and last update). */
export function describeStuck(row: {
  status: SagaStatus;
  stuckReason: string | null;
  updatedAt: string;
}): { kind: StuckKind; reason: string } {
  if (row.status === 'stuck') {
    return { kind: 'stuck', reason: row.stuckReason ?? 'stuck (the engine gave no reason)' };
  }
  return { kind: 'idle', reason: `idle since ${row.updatedAt}` };
}

function toStuckSaga(row: StuckRow): StuckSaga {
  const updatedAt = new Date(row.updated_at).toISOString();
  return {
    sagaId: row.id,
    sagaType: row.saga_type,
    sagaVersion: row.saga_version,
    status: row.status,
    ...describeStuck({ status: row.status, stuckReason: row.stuck_reason, updatedAt }),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt,
  };
}
