import pg, { type Pool, type PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';
import { DatabaseTimeoutError, isConnectionLoss, isQueryReadTimeout } from './connection-errors.js';
import { guardPool } from './pool-guard.js';

export {
  DatabaseTimeoutError,
  isConnectionLoss,
  isDatabaseUnavailable,
} from './connection-errors.js';
export {
  DEFAULT_DATABASE_TIMEOUTS,
  poolTimeoutOptions,
  type DatabaseTimeouts,
} from './connection-settings.js';
export { guardPool } from './pool-guard.js';
export { retryWhileUnavailable } from './retry-while-unavailable.js';
export { databaseTimeoutEnvironment, databaseTimeoutsOf } from './timeout-environment.js';

export { dataErrorReason, sqlStateOf } from './data-errors.js';

/** Runs one SQL statement with positional parameters and returns its rows. */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<Row[]>;
  /**
   * The database's clock when the transaction began (`now()`, epoch ms), when the runner read
   * it with the BEGIN (saving a round trip); undefined otherwise.
   */
  readonly transactionStart?: number;
}

/** Options of {@link inTransaction}. */
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
}

const RETRYABLE_SQLSTATES = new Set(['40001', '40P01']);
const gates = new WeakMap<DataSource, { tail: Promise<void> }>();

/**
 * Makes every {@link inTransaction} on `dataSource` wait for the previous one: for an embedded
 * database with a single connection (PGlite), where concurrent transactions would interleave.
 */
export function serializeTransactions(dataSource: DataSource): void {
  gates.set(dataSource, { tail: Promise.resolve() });
}

async function withGate<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  const gate = gates.get(dataSource);
  if (!gate) return work();
  const previous = gate.tail;
  let release!: () => void;
  gate.tail = new Promise<void>((resolve) => (release = resolve));
  await previous;
  try {
    return await work();
  } finally {
    release();
  }
}

/**
 * Runs one statement outside any transaction (behind the gate of an embedded database). A text
 * marked {@link prepared} goes named on the pg pool, and resolves with its rows.
 */
export function runQuery<Row>(
  dataSource: DataSource,
  sql: string,
  parameters: unknown[] = [],
): Promise<Row[]> {
  return withGate(dataSource, () => {
    const pool = statementNames.has(sql) ? pgPoolOf(dataSource) : undefined;
    return pool === undefined
      ? dataSource.query<Row[]>(sql, parameters)
      : runPreparedOnPool<Row>(pool, sql, parameters);
  });
}

async function runPreparedOnPool<Row>(pool: Pool, sql: string, parameters: unknown[]) {
  for (let dropped = 0; ; dropped++) {
    try {
      return await onConnection(
        pool,
        async (client) => (await client.query(namedStatement(sql, parameters))).rows as Row[],
      );
    } catch (error) {
      if (!isStalePreparedStatement(error) || dropped >= poolSizeOf(pool)) throw error;
    }
  }
}

/** A connection checked out by {@link onConnection}: `broken` set, it is not reused. */
interface Checkout {
  broken?: Error;
}

/**
 * Runs `use` on a connection of the pool, then gives it back, or drops it when it died while
 * checked out, when `use` failed with a lost connection, a query timeout (thrown as a
 * DatabaseTimeoutError) or a stale statement (parsed again only on a new connection), or when
 * `use` set `broken`. One whose statement was only refused (a lost race, bad data) is reused.
 */
async function onConnection<T>(
  pool: Pool,
  use: (client: PoolClient, checkout: Checkout) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  const checkout: Checkout = {};
  const onError = (error: Error) => (checkout.broken ??= error);
  client.on('error', onError);
  try {
    return await use(client, checkout);
  } catch (error) {
    if (isConnectionLoss(error) || isQueryReadTimeout(error) || isStalePreparedStatement(error)) {
      checkout.broken ??= error as Error;
    }
    if (isQueryReadTimeout(error)) throw queryTimeoutError(pool, error);
    throw error;
  } finally {
    client.removeListener('error', onError);
    client.release(checkout.broken);
  }
}

/** Says that the database did not answer within the pool's query timeout. */
function queryTimeoutError(pool: Pool, cause: unknown): DatabaseTimeoutError {
  const queryTimeoutMs = Number(pool.options.query_timeout) || 0;
  return new DatabaseTimeoutError(
    `the database did not answer within ${queryTimeoutMs} ms (the query timeout); the connection was dropped`,
    { cause },
  );
}

/** A {@link SqlRunner} whose statements each run on their own, outside any transaction (runQuery). */
export function statementRunner(dataSource: DataSource): SqlRunner {
  return { query: (sql, parameters) => runQuery(dataSource, sql, parameters) };
}

/**
 * Runs `work` in one database transaction and commits it; retries the whole of it when it
 * lost a race with another instance or lost its connection before committing (after a short
 * pause, on another connection), rethrows anything else after rolling back. A connection lost
 * during the COMMIT is rethrown: whether it committed is unknown, the caller's retry decides.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (sql: SqlRunner) => Promise<T>,
  options: TransactionOptions<T> = {},
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 5;
  const commit = options.commit ?? (() => true);
  return withGate(dataSource, () => runWithRetries(dataSource, work, maxAttempts, commit));
}

async function runWithRetries<T>(
  dataSource: DataSource,
  work: (sql: SqlRunner) => Promise<T>,
  maxAttempts: number,
  commit: (value: T) => boolean,
): Promise<T> {
  const pool = pgPoolOf(dataSource);
  // Connections dropped for holding a stale statement: each such run is free, and after as
  // many as the pool holds, the next connection is a new one.
  let staleDropped = 0;
  for (let attempt = 1; ; attempt++) {
    const progress = { commitSent: false };
    try {
      return pool
        ? await runOnPool(pool, work, commit, progress)
        : await runOnQueryRunner(dataSource, work, commit);
    } catch (error) {
      if (pool && !progress.commitSent && isStalePreparedStatement(error)) {
        if (staleDropped++ < poolSizeOf(pool)) {
          attempt--;
          continue;
        }
      }
      if (attempt >= maxAttempts) throw error;
      if (isLostRace(error)) continue;
      const again =
        attempt < CONNECTION_ATTEMPTS && !progress.commitSent && isConnectionLoss(error);
      if (!pool || !again) throw error;
      // Gives the pool the time to hear of its other dead connections (a terminated backend
      // tells each of its clients at once) before taking one again.
      await pause(CONNECTION_RETRY_PAUSE_MS * attempt);
    }
  }
}

/**
 * The most connections the pool holds (node-postgres's default 10): after that many dropped for
 * a stale statement, the next one is new.
 */
const poolSizeOf = (pool: Pool): number => pool.options.max ?? 10;

/** Attempts of a transaction that lost its connection (at most `maxAttempts`). */
const CONNECTION_ATTEMPTS = 3;
const CONNECTION_RETRY_PAUSE_MS = 50;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Guards the pg pool of an initialized TypeORM Postgres data source (see guardPool; no-op for
 * other drivers); inTransaction does it too, call it at start-up so every path is covered.
 */
export function guardConnections(dataSource: DataSource): void {
  pgPoolOf(dataSource);
}

/**
 * The pg pool under a TypeORM Postgres data source, guarded (see guardPool): transactions run
 * on it directly, keeping TypeORM's query runner (and its per-query bookkeeping) off the hot
 * path. Undefined for other drivers (the embedded PGlite), which go through TypeORM.
 */
function pgPoolOf(dataSource: DataSource): Pool | undefined {
  const master = (dataSource.driver as unknown as { master?: unknown }).master;
  if (!(master instanceof pg.Pool)) return undefined;
  guardPool(master);
  return master;
}

function runOnPool<T>(
  pool: Pool,
  work: (sql: SqlRunner) => Promise<T>,
  commit: (value: T) => boolean,
  progress: { commitSent: boolean },
): Promise<T> {
  return onConnection(pool, async (client, checkout) => {
    // One round trip: a simple query may hold several statements, each with its result.
    const begun = (await client.query(
      `BEGIN; SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`,
    )) as unknown as { rows: { now: number }[] }[];
    const transactionStart = Math.floor(Number(begun[1]?.rows[0]?.now));
    try {
      const result = await work(sqlOfClient(client, transactionStart));
      progress.commitSent = commit(result);
      await client.query(progress.commitSent ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (error) {
      // A dead or hung connection cannot roll back (the server does it when the session ends).
      if (checkout.broken === undefined && !isConnectionLoss(error) && !isQueryReadTimeout(error)) {
        await client.query('ROLLBACK').catch((rollback: unknown) => {
          // A connection that cannot roll back is not given back to the pool.
          checkout.broken = rollback instanceof Error ? rollback : new Error('rollback failed');
        });
      }
      throw error;
    }
  });
}

function sqlOfClient(client: PoolClient, transactionStart: number): SqlRunner {
  return {
    query: async <Row>(sql: string, parameters?: unknown[]) =>
      (await client.query(namedStatement(sql, parameters))).rows as Row[],
    ...(Number.isFinite(transactionStart) ? { transactionStart } : {}),
  };
}

/**
 * Most statement texts marked {@link prepared} in a process: past it, a text stays unnamed, so
 * neither the pg client nor a backend holds more than this many per connection.
 */
export const MAX_NAMED_STATEMENTS = 64;
const statementNames = new Map<string, string>();

/**
 * Marks a statement text of the hot path to be prepared, and returns it: run on the pg pool
 * (inTransaction, runQuery), it goes as a named statement, which node-postgres parses once
 * per connection and Postgres plans once (a generic plan, after five custom ones, when it costs
 * no more), where an unnamed one is parsed, analysed and planned at every run. Only for texts
 * fixed in the code, whose plan suits every parameter: each keeps its name for the process's
 * life.
 */
export function prepared(text: string): string {
  if (!statementNames.has(text) && statementNames.size < MAX_NAMED_STATEMENTS) {
    statementNames.set(text, `saga_statement_${statementNames.size + 1}`);
  }
  return text;
}

function namedStatement(text: string, values: unknown[] | undefined): pg.QueryConfig {
  const name = statementNames.get(text);
  return name === undefined ? { text, values } : { name, text, values };
}

async function runOnQueryRunner<T>(
  dataSource: DataSource,
  work: (sql: SqlRunner) => Promise<T>,
  commit: (value: T) => boolean,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    const result = await work(sqlOf(runner));
    if (commit(result)) await runner.commitTransaction();
    else await runner.rollbackTransaction();
    return result;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

function sqlOf(runner: QueryRunner): SqlRunner {
  // The structured result gives the rows of every statement; the plain one answers UPDATE and
  // DELETE with [rows, count] instead.
  return {
    query: async <Row>(sql: string, parameters?: unknown[]) =>
      (await runner.query(sql, parameters, true)).records as Row[],
  };
}

/**
 * A named statement the server no longer holds as prepared: a migration changed its result
 * type (0A000) or it was deallocated (26000). node-postgres would send it by name for good on
 * that connection, so the connection is dropped and the transaction runs again on another.
 */
function isStalePreparedStatement(error: unknown): boolean {
  const { code, routine } = (error ?? {}) as { code?: unknown; routine?: unknown };
  // The routine names the check whatever the server's language (0A000 says little alone).
  return code === '26000' || (code === '0A000' && routine === 'RevalidateCachedQuery');
}

/** True for a statement that lost a race: a serialization failure or a deadlock. */
export function isLostRace(error: unknown): boolean {
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ??
    (error as { code?: unknown })?.code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

export { RetentionLoop, type PurgeTask, type RetentionLoopOptions } from './retention-loop.js';
