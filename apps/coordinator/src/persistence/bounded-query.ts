import { type Database, type SqlRunner, type StatementTimeouts, sqlStateOf } from '#postgres';
import { InvalidSagaQueryError } from '../application/saga-errors.js';

/**
 * The longest an operator's saga query may run (`GET /sagas`, a bulk operation's), unless the
 * database's own timeouts are shorter (see {@link sagaQueryBoundMs}).
 */
export const SAGA_QUERY_TIMEOUT_MS = 10_000;

/**
 * The most a saga query's bound leaves of the client's query timeout: the time for the server's
 * cancellation to come back, so that the query ends as the caller's to narrow (a 400) and not as
 * a database that did not answer (a dropped connection, a 503).
 */
export const QUERY_TIMEOUT_MARGIN_MS = 1_000;

/**
 * How long a saga query may run (whole ms, at least 1): `limitMs`, never longer than the
 * operator's statement timeout (`DATABASE_STATEMENT_TIMEOUT_MS`), and ending before the client's
 * query timeout (`DATABASE_QUERY_TIMEOUT_MS`) by {@link QUERY_TIMEOUT_MARGIN_MS}, or by half of
 * it when it is shorter than twice that.
 */
export function sagaQueryBoundMs(
  timeouts: StatementTimeouts,
  limitMs = SAGA_QUERY_TIMEOUT_MS,
): number {
  let bound = limitMs;
  if (timeouts.statementTimeoutMs > 0) bound = Math.min(bound, timeouts.statementTimeoutMs);
  if (timeouts.queryTimeoutMs > 0) {
    const margin = Math.min(QUERY_TIMEOUT_MARGIN_MS, timeouts.queryTimeoutMs / 2);
    bound = Math.min(bound, timeouts.queryTimeoutMs - margin);
  }
  return Math.max(1, Math.floor(bound));
}

/**
 * Runs `work`, an operator's saga query, in a read-only transaction bounded by
 * {@link sagaQueryBoundMs} (`limitMs` and the database's timeouts): a query that scans too much
 * is cut off and answered as the caller's to narrow (InvalidSagaQueryError naming `field`, the
 * problem asking to narrow `narrow`), never left to hold a connection of the pool the decisions
 * share.
 */
export async function withinQueryBound<T>(
  database: Database,
  field: string,
  work: (sql: SqlRunner) => Promise<T>,
  limitMs = SAGA_QUERY_TIMEOUT_MS,
  narrow = 'sagaType, status, createdAt',
): Promise<T> {
  const timeoutMs = sagaQueryBoundMs(database.statementTimeouts(), limitMs);
  try {
    return await database.transaction(work, { readOnly: true, statementTimeoutMs: timeoutMs });
  } catch (error) {
    if (sqlStateOf(error) !== '57014') throw error;
    throw new InvalidSagaQueryError(
      `the query ran longer than ${timeoutMs / 1000} s: narrow it (${narrow})`,
      undefined,
      field,
    );
  }
}
