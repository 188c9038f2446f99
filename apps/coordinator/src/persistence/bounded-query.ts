import { type Database, type SqlRunner, sqlStateOf } from '#postgres';
import { InvalidSagaQueryError } from '../application/saga-errors.js';

/** The longest an operator's saga query may run (`GET /sagas?q=`, a bulk operation's). */
export const SAGA_QUERY_TIMEOUT_MS = 10_000;

/**
 * Runs `work`, an operator's saga query, in a read-only transaction bounded by
 * {@link SAGA_QUERY_TIMEOUT_MS}: a query that scans too much is cut off and answered as the
 * caller's to narrow (InvalidSagaQueryError naming `field`), never left to hold a connection of
 * the pool the decisions share.
 */
export async function withinQueryBound<T>(
  database: Database,
  field: string,
  work: (sql: SqlRunner) => Promise<T>,
  timeoutMs = SAGA_QUERY_TIMEOUT_MS,
): Promise<T> {
  try {
    return await database.transaction(async (sql) => {
      await sql.query(`SET TRANSACTION READ ONLY`);
      await sql.query(`SET LOCAL statement_timeout = ${Math.round(timeoutMs)}`);
      return work(sql);
    });
  } catch (error) {
    if (sqlStateOf(error) !== '57014') throw error;
    throw new InvalidSagaQueryError(
      `the query ran longer than ${timeoutMs / 1000} s: narrow it (sagaType, status, createdAt)`,
      undefined,
      field,
    );
  }
}
