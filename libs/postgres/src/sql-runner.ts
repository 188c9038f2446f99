import type pg from 'pg';

/** Runs one SQL statement with positional parameters and returns its rows. */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<Row[]>;
  /**
   * The database's clock when the transaction began (`now()`, epoch ms), when the runner read
   * it with the BEGIN (saving a round trip); undefined otherwise.
   */
  readonly transactionStart?: number;
}

/**
 * `runner` for one transaction's work, refusing every statement once `end` is called (as the
 * transaction commits or rolls back): a statement sent later, by work that went on after it was
 * given up (a Nest timeout, say), would otherwise run on the connection outside the transaction,
 * in autocommit or in the next transaction the connection serves.
 */
export function transactionScoped(runner: SqlRunner): { sql: SqlRunner; end(): void } {
  let ended = false;
  const sql: SqlRunner = {
    query: <Row>(text: string, parameters?: unknown[]) =>
      ended
        ? Promise.reject(new Error('the transaction has ended: no statement may be sent on it'))
        : runner.query<Row>(text, parameters),
    ...(runner.transactionStart === undefined ? {} : { transactionStart: runner.transactionStart }),
  };
  return { sql, end: () => void (ended = true) };
}

/** Options of {@link Database.transaction}. */
export interface TransactionOptions<T = unknown> {
  /**
   * Attempts when the transaction loses a race (a serialization failure, which a failed version
   * check raises too, or a deadlock) (default 5), or its connection before the COMMIT was sent
   * (the backend was terminated, the socket reset, the connection refused; at most 3 then).
   */
  maxAttempts?: number;
  /**
   * Whether to commit, given the value `work` resolved with (default: always). False rolls the
   * transaction back and still resolves with the value (a handler's technical error, say).
   */
  commit?: (value: T) => boolean;
  /** Refuses every write (`SET TRANSACTION READ ONLY`), set as the transaction begins. */
  readOnly?: boolean;
  /** The transaction's own `statement_timeout` (`SET LOCAL`, ms, a whole number of at least 1). */
  statementTimeoutMs?: number;
}

/**
 * The statements that apply `options`' settings to a transaction just begun (none by default),
 * for the BEGIN's round trip.
 */
export function transactionSetup(
  options: Pick<TransactionOptions, 'readOnly' | 'statementTimeoutMs'> = {},
): string[] {
  const setup: string[] = [];
  if (options.readOnly) setup.push('SET TRANSACTION READ ONLY');
  const timeout = options.statementTimeoutMs;
  if (timeout !== undefined) {
    if (!Number.isInteger(timeout) || timeout < 1) {
      throw new RangeError(
        `statementTimeoutMs must be a whole number of ms, at least 1: ${timeout}`,
      );
    }
    setup.push(`SET LOCAL statement_timeout = ${timeout}`);
  }
  return setup;
}

/** Attempts of a transaction that lost a race, unless its options say otherwise. */
const DEFAULT_TRANSACTION_ATTEMPTS = 5;

/** `options` with their defaults: 5 attempts, and a commit whatever `work` resolved with. */
export function transactionSettings<T>(options: TransactionOptions<T> = {}): {
  maxAttempts: number;
  commit: (value: T) => boolean;
} {
  return {
    maxAttempts: options.maxAttempts ?? DEFAULT_TRANSACTION_ATTEMPTS,
    commit: options.commit ?? (() => true),
  };
}

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);

/** True for a statement that lost a race: a serialization failure or a deadlock. */
export function isLostRace(error: unknown): boolean {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ??
    (error as { code?: unknown })?.code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

/**
 * Most statement texts marked {@link prepared} in a process: past it, a text stays unnamed, so
 * neither the pg client nor a backend holds more than this many per connection.
 */
export const MAX_NAMED_STATEMENTS = 64;
const statementNames = new Map<string, string>();

/**
 * Marks a statement text of the hot path to be prepared, and returns it: run on a PoolDatabase,
 * it goes as a named statement, which node-postgres parses once per connection and Postgres
 * plans once (a generic plan, after five custom ones, when it costs no more), where an unnamed
 * one is parsed, analysed and planned at every run. Only for texts fixed in the code, whose
 * plan suits every parameter: each keeps its name for the process's life.
 */
export function prepared(text: string): string {
  if (!statementNames.has(text) && statementNames.size < MAX_NAMED_STATEMENTS) {
    statementNames.set(text, `saga_statement_${statementNames.size + 1}`);
  }
  return text;
}

/** The query node-postgres sends for `text`: named when the text was marked {@link prepared}. */
export function namedStatement(text: string, values: unknown[] | undefined): pg.QueryConfig {
  const name = statementNames.get(text);
  return name === undefined ? { text, values } : { name, text, values };
}
