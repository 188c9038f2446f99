import type { SqlRunner } from '#postgres';

/** An outbox row that can never be sent, to be set aside with its saga marked stuck. */
export interface UndeliverableRow {
  readonly id: string;
  /** Null for rows that belong to no saga (breaker events). */
  readonly sagaId: string | null;
  readonly topic: string;
  /** Why it can never be sent (a broker code and message, or why its payload cannot be opened). */
  readonly reason: string;
}

/** An outbox row's columns as the relay reads them to send it. */
export interface StoredOutboxRow {
  id: string;
  saga_id: string | null;
  topic: string;
  message_key: string;
  headers: Record<string, string>;
  headers_from: number;
  payload: unknown;
}

/** First key of the advisory lock that lets one transaction at a time drain a lane (lane: second). */
export const LANE_LOCK_NAMESPACE = 7_001;

/**
 * Marks outbox rows set aside with their reason (they stay unsent: the later rows of their saga
 * wait behind them); resolves with the rows it marked, leaving out any already sent or set aside.
 */
export async function setOutboxRowsAside(
  sql: SqlRunner,
  rows: readonly UndeliverableRow[],
): Promise<UndeliverableRow[]> {
  // The lanes' relay lock first: no relay may claim a later row of these sagas before the mark
  // is committed (it would overtake the row set aside).
  await sql.query(
    `SELECT pg_advisory_xact_lock($1, lane) FROM (
       SELECT DISTINCT lane FROM outbox
       WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($2::jsonb))) AS l
     ORDER BY lane`,
    [LANE_LOCK_NAMESPACE, JSON.stringify(rows.map((row) => row.id))],
  );
  const marked = await sql.query<{ id: string }>(
    `UPDATE outbox o SET set_aside_at = now(), set_aside_reason = x.reason, first_failed_at = NULL
     FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, reason text)
     WHERE o.id = x.id AND o.sent_at IS NULL AND o.set_aside_at IS NULL
     RETURNING o.id`,
    [JSON.stringify(rows.map((row) => ({ id: row.id, reason: row.reason })))],
  );
  const ids = new Set(marked.map((row) => String(row.id)));
  return rows.filter((row) => ids.has(row.id));
}

/**
 * Releases the saga's rows set aside (an operator resumed it): the relay tries them again, and
 * a new failure of theirs waits the whole time again before they are set aside anew (see
 * failuresLasted).
 */
export async function releaseSetAside(sql: SqlRunner, sagaId: string): Promise<void> {
  await sql.query(
    `UPDATE outbox SET set_aside_at = NULL, set_aside_reason = NULL, first_failed_at = NULL
     WHERE saga_id = $1 AND set_aside_at IS NOT NULL`,
    [sagaId],
  );
}

/**
 * Releases the rows set aside at least `afterMs` ago that no resume can release: rows of no
 * saga (breaker events) and rows of a saga that is not stuck (it had ended when its row was set
 * aside, so the row did not stop it). Nothing of theirs waits on an operator's decision, so the
 * relay tries them again by itself, counted in `set_aside_retries` (see
 * deadLetterSpentSetAside); one still unsendable is set aside anew, once its new failure has
 * lasted (see failuresLasted). Resolves with the rows released.
 */
export async function releaseUnheldSetAside(
  sql: SqlRunner,
  afterMs: number,
): Promise<{ id: string; sagaId: string | null; topic: string }[]> {
  const rows = await sql.query<{ id: string; saga_id: string | null; topic: string }>(
    `UPDATE outbox o SET set_aside_at = NULL, set_aside_reason = NULL, first_failed_at = NULL,
       set_aside_retries = coalesce(o.set_aside_retries, 0) + 1
     WHERE o.set_aside_at IS NOT NULL AND o.set_aside_at <= now() - make_interval(secs => $1)
       AND NOT EXISTS (SELECT 1 FROM sagas s WHERE s.id = o.saga_id AND s.status = 'stuck')
     RETURNING o.id::text AS id, o.saga_id::text AS saga_id, o.topic`,
    [afterMs / 1000],
  );
  return rows.map((row) => ({ id: row.id, sagaId: row.saga_id, topic: row.topic }));
}
