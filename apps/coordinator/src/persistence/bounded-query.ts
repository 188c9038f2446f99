import { type Database, type SqlRunner, sqlStateOf } from '#postgres';
import { InvalidSagaQueryError } from '../application/saga-errors.js';

/** The longest an operator's saga query may run (`GET /sagas?q=`, a bulk operation's). */
export const SAGA_QUERY_TIMEOUT_MS = 10_000;

/** How {@link withinQueryBound} runs: its bound (ms), and whether the work also writes. */
export interface QueryBound {
  readonly timeoutMs?: number;
  /** The work writes what its query found (a bulk operation's targets); default false. */
  readonly writes?: boolean;
}

/**
 * Runs `work`, an operator's saga query (and, with `writes`, what it stores of its result), in
 * a transaction bounded by {@link SAGA_QUERY_TIMEOUT_MS}, read-only unless it writes: a query
 * that scans too much is cut off and answered as the caller's to narrow (InvalidSagaQueryError
 * naming `field`), never left to hold a connection of the pool the decisions share.
 */
export async function withinQueryBound<T>(
  database: Database,
  field: string,
  work: (sql: SqlRunner) => Promise<T>,
  { timeoutMs = SAGA_QUERY_TIMEOUT_MS, writes = false }: QueryBound = {},
): Promise<T> {
  try {
    return await database.transaction(async (sql) => {
      if (!writes) await sql.query(`SET TRANSACTION READ ONLY`);
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
