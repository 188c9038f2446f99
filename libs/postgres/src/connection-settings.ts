/**
 * The time limits of a pool's connections, in ms; 0 turns a limit off. Server-side limits
 * (statement, lock, idle in transaction) are set at connect time; the query timeout is the
 * client's own bound for a socket that no longer answers (a server-side limit cannot fire then).
 */
export interface DatabaseTimeouts {
  /** Opening a connection, or waiting for a free one in the pool (default 10 000). */
  readonly connectTimeoutMs: number;
  /** One statement on the server, `statement_timeout` (default 30 000). */
  readonly statementTimeoutMs: number;
  /** Waiting for a lock, `lock_timeout` (default 10 000). */
  readonly lockTimeoutMs: number;
  /** A transaction left idle, `idle_in_transaction_session_timeout` (default 60 000). */
  readonly idleInTransactionTimeoutMs: number;
  /**
   * The client's wait for any answer to a query; past it the query fails and its connection is
   * dropped (default 35 000: the statement timeout fires first while the server answers).
   */
  readonly queryTimeoutMs: number;
  /** TCP keep-alive on every connection (default true). */
  readonly keepAlive: boolean;
  /** Idle time before the first keep-alive probe (default 10 000). */
  readonly keepAliveInitialDelayMs: number;
}

/** The limits a database's statements run under, as {@link Database.statementTimeouts} gives them. */
export type StatementTimeouts = Pick<DatabaseTimeouts, 'statementTimeoutMs' | 'queryTimeoutMs'>;

/** The defaults of {@link DatabaseTimeouts}. */
export const DEFAULT_DATABASE_TIMEOUTS: DatabaseTimeouts = {
  connectTimeoutMs: 10_000,
  statementTimeoutMs: 30_000,
  lockTimeoutMs: 10_000,
  idleInTransactionTimeoutMs: 60_000,
  queryTimeoutMs: 35_000,
  keepAlive: true,
  keepAliveInitialDelayMs: 10_000,
};

/**
 * The node-postgres pool options (also TypeORM's `extra`) that apply `timeouts` and name the
 * connections `applicationName` in `pg_stat_activity` (an `application_name` in the URL wins).
 */
export function poolTimeoutOptions(
  timeouts: DatabaseTimeouts,
  applicationName?: string,
): Record<string, unknown> {
  return {
    // pg reads 0 as "no limit" for each of these.
    connectionTimeoutMillis: timeouts.connectTimeoutMs,
    statement_timeout: timeouts.statementTimeoutMs,
    lock_timeout: timeouts.lockTimeoutMs,
    idle_in_transaction_session_timeout: timeouts.idleInTransactionTimeoutMs,
    query_timeout: timeouts.queryTimeoutMs,
    keepAlive: timeouts.keepAlive,
    keepAliveInitialDelayMillis: timeouts.keepAliveInitialDelayMs,
    ...(applicationName === undefined ? {} : { application_name: applicationName }),
  };
}
