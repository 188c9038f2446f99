import type { SqlRunner } from '#postgres';

/**
 * Notes that the rows `rowIds` failed just now with a broker error that says they can never be
 * sent, and resolves with those whose failure has lasted `persistMs` (ms): only these are set
 * aside (a topic being created right now is not poison). The time is the row's own
 * (`outbox.first_failed_at`, the database's clock), kept from a row's first such failure until
 * it is set aside (setOutboxRowsAside clears it), so every instance counts from the first
 * failure any of them saw, and a row released waits the whole time again, by whatever
 * release released it (one before this column clears only the set-aside ones).
 * Run in the transaction that claimed the rows (they are locked by it).
 */
export async function failuresLasted(
  sql: SqlRunner,
  rowIds: readonly string[],
  persistMs: number,
): Promise<Set<string>> {
  if (rowIds.length === 0) return new Set();
  const rows = await sql.query<{ id: string; lasted: boolean }>(
    `UPDATE outbox SET first_failed_at = coalesce(first_failed_at, clock_timestamp())
     WHERE id IN (SELECT value::bigint FROM jsonb_array_elements_text($1::jsonb))
     RETURNING id::text AS id,
       clock_timestamp() - first_failed_at >= make_interval(secs => $2) AS lasted`,
    [JSON.stringify(rowIds), persistMs / 1000],
  );
  return new Set(rows.filter((row) => row.lasted).map((row) => row.id));
}
