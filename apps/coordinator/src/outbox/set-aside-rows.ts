import type { SqlRunner } from '#postgres';
import { LANE_LOCK_NAMESPACE, type UndeliverableRow } from './outbox-relay.js';

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
    `UPDATE outbox o SET set_aside_at = now(), set_aside_reason = x.reason
     FROM jsonb_to_recordset($1::jsonb) AS x(id bigint, reason text)
     WHERE o.id = x.id AND o.sent_at IS NULL AND o.set_aside_at IS NULL
     RETURNING o.id`,
    [JSON.stringify(rows.map((row) => ({ id: row.id, reason: row.reason })))],
  );
  const ids = new Set(marked.map((row) => String(row.id)));
  return rows.filter((row) => ids.has(row.id));
}

/** Releases the saga's rows set aside (an operator resumed it): the relay tries them again. */
export async function releaseSetAside(sql: SqlRunner, sagaId: string): Promise<void> {
  await sql.query(
    `UPDATE outbox SET set_aside_at = NULL, set_aside_reason = NULL
     WHERE saga_id = $1 AND set_aside_at IS NOT NULL`,
    [sagaId],
  );
}
