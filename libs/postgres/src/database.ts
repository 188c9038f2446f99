import type { StatementTimeouts } from './connection-settings.js';
import type { SqlRunner, TransactionOptions } from './sql-runner.js';

/**
 * The port every reader and writer of a Postgres database goes through: one statement on its
 * own (`query`: a Database is itself a SqlRunner whose statements each run outside any
 * transaction), or work in one transaction, run again when it lost a race (`transaction`).
 * PoolDatabase runs on a node-postgres pool of its own; SingleConnectionDatabase on a TypeORM
 * data source of one connection (the embedded PGlite).
 */
export abstract class Database implements SqlRunner {
  /** Whether `open` succeeded and `close` was not called since. */
  abstract readonly isOpen: boolean;

  /** Connects, and resolves once the database answered; safe to call again after a failure. */
  abstract open(): Promise<void>;

  abstract query<Row = Record<string, unknown>>(
    sql: string,
    parameters?: unknown[],
  ): Promise<Row[]>;

  /**
   * Runs `work` in one transaction and commits it; runs the whole of it again when it lost a
   * race with another writer (and, on a pool, when it lost its connection before the COMMIT was
   * sent), rethrows anything else after rolling back. A connection lost during the COMMIT is
   * rethrown: whether it committed is unknown, the caller's retry decides.
   */
  abstract transaction<T>(
    work: (sql: SqlRunner) => Promise<T>,
    options?: TransactionOptions<T>,
  ): Promise<T>;

  /** Closes every connection (idempotent); statements after it fail. */
  abstract close(): Promise<void>;

  /**
   * The server's statement timeout and the client's query timeout every statement runs under
   * (ms, 0: none); none unless the implementation sets them (the embedded PGlite has none).
   */
  statementTimeouts(): StatementTimeouts {
    return { statementTimeoutMs: 0, queryTimeoutMs: 0 };
  }
}
