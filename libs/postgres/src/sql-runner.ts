import pg, { type Pool, type PoolClient } from 'pg';
import type { DataSource, QueryRunner } from 'typeorm';

/** Runs one SQL statement with positional parameters and returns its rows. */
export interface SqlRunner {
  query<Row = Record<string, unknown>>(sql: string, parameters?: unknown[]): Promise<Row[]>;
  /**
   * The database's clock when the transaction began (`now()`, epoch ms), when the runner read
   * it with the BEGIN (saving a round trip); undefined otherwise.
   */
  readonly transactionStart?: number;
}

/** A write that found the row changed under it (optimistic version check). */
export class ConcurrentUpdateError extends Error {
  override name = 'ConcurrentUpdateError';
}

/** Options of {@link inTransaction}. */
export interface TransactionOptions<T = unknown> {
  /** Attempts when the transaction loses a race (serialization failure, deadlock, version check). Default 5. */
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

/** Runs one statement outside any transaction (behind the gate of an embedded database). */
export function runQuery<Row>(
  dataSource: DataSource,
  sql: string,
  parameters: unknown[] = [],
): Promise<Row[]> {
  return withGate(dataSource, () => dataSource.query<Row[]>(sql, parameters));
}

/**
 * Runs `work` in one database transaction and commits it; retries the whole of it when it
 * lost a race with another instance, rethrows anything else after rolling back.
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
  for (let attempt = 1; ; attempt++) {
    try {
      return pool
        ? await runOnPool(pool, work, commit)
        : await runOnQueryRunner(dataSource, work, commit);
    } catch (error) {
      if (attempt >= maxAttempts || !isLostRace(error)) throw error;
    }
  }
}

/**
 * The pg pool under a TypeORM Postgres data source: transactions run on it directly, keeping
 * TypeORM's query runner (and its per-query bookkeeping) off the hot path. Undefined for other
 * drivers (the embedded PGlite), which go through TypeORM.
 */
function pgPoolOf(dataSource: DataSource): Pool | undefined {
  const master = (dataSource.driver as unknown as { master?: unknown }).master;
  return master instanceof pg.Pool ? master : undefined;
}

async function runOnPool<T>(
  pool: Pool,
  work: (sql: SqlRunner) => Promise<T>,
  commit: (value: T) => boolean,
): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    // One round trip: a simple query may hold several statements, each with its result.
    const begun = (await client.query(
      `BEGIN; SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`,
    )) as unknown as { rows: { now: number }[] }[];
    const transactionStart = Math.floor(Number(begun[1]?.rows[0]?.now));
    try {
      const result = await work(sqlOfClient(client, transactionStart));
      await client.query(commit(result) ? 'COMMIT' : 'ROLLBACK');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollback: unknown) => {
        // A connection that cannot roll back is not given back to the pool.
        broken = rollback instanceof Error ? rollback : new Error('rollback failed');
      });
      throw error;
    }
  } finally {
    client.release(broken);
  }
}

function sqlOfClient(client: PoolClient, transactionStart: number): SqlRunner {
  return {
    query: async <Row>(sql: string, parameters?: unknown[]) =>
      (await client.query(sql, parameters)).rows as Row[],
    ...(Number.isFinite(transactionStart) ? { transactionStart } : {}),
  };
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

function isLostRace(error: unknown): boolean {
  if (error instanceof ConcurrentUpdateError) return true;
  const code =
    (error as { code?: unknown; driverError?: { code?: unknown } })?.driverError?.code ??
    (error as { code?: unknown })?.code;
  return typeof code === 'string' && RETRYABLE_SQLSTATES.has(code);
}

export { RetentionLoop, type PurgeTask, type RetentionLoopOptions } from './retention-loop.js';
