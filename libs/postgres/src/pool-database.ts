import pg, { type Pool, type PoolClient } from 'pg';
import { DatabaseTimeoutError, isConnectionLoss, isQueryReadTimeout } from './connection-errors.js';
import {
  DEFAULT_DATABASE_TIMEOUTS,
  poolTimeoutOptions,
  type DatabaseTimeouts,
  type StatementTimeouts,
} from './connection-settings.js';
import { Database } from './database.js';
import { searchPathOption } from './identifiers.js';
import { guardPool } from './pool-guard.js';
import {
  isLostRace,
  transactionSettings,
  transactionScoped,
  transactionSetup,
  namedStatement,
  type SqlRunner,
  type TransactionOptions,
} from './sql-runner.js';

/** Where a {@link PoolDatabase} connects, and how. */
export interface PoolSettings {
  /** A `postgres://` connection string. */
  readonly url: string;
  /** The schema every statement looks in first (`search_path`); default: the server's. */
  readonly schema?: string;
  /** Connections at most (default 10). */
  readonly poolSize?: number;
  /** Connect, statement, lock, idle-in-transaction and query timeouts, keep-alive (default DEFAULT_DATABASE_TIMEOUTS). */
  readonly timeouts?: DatabaseTimeouts;
  /** The connections' `application_name` (one in the URL wins). */
  readonly applicationName?: string;
  /** Hears the errors of idle connections (a terminated backend); default: a warning on stderr. */
  readonly onIdleError?: (error: Error) => void;
}

/** Attempts of a transaction that lost its connection (at most `maxAttempts`). */
const CONNECTION_ATTEMPTS = 3;
const CONNECTION_RETRY_PAUSE_MS = 50;

/**
 * A Database on a node-postgres pool of its own (guarded: see guardPool). Statements marked
 * `prepared` go named; a transaction's BEGIN reads the database's clock in the same round trip.
 */
export class PoolDatabase extends Database {
  private opened = false;
  private closing: Promise<void> | undefined;

  constructor(readonly pool: Pool) {
    super();
    guardPool(pool);
  }

  /** A PoolDatabase on a new pool with `settings`; nothing connects before the first statement. */
  static connect(settings: PoolSettings): PoolDatabase {
    const timeouts = settings.timeouts ?? DEFAULT_DATABASE_TIMEOUTS;
    const pool = new pg.Pool({
      connectionString: settings.url,
      ...poolTimeoutOptions(timeouts, settings.applicationName),
      max: settings.poolSize ?? 10,
      ...(settings.schema === undefined ? {} : { options: searchPathOption(settings.schema) }),
    });
    // Without a listener, an idle connection's error (a terminated backend) ends the process.
    pool.on(
      'error',
      settings.onIdleError ??
        ((error) => process.emitWarning(`an idle database connection failed: ${error.message}`)),
    );
    return new PoolDatabase(pool);
  }

  get isOpen(): boolean {
    return this.opened && this.closing === undefined;
  }

  /** As the pool was given them (`poolTimeoutOptions`). */
  override statementTimeouts(): StatementTimeouts {
    return statementTimeoutsOf(this.pool);
  }

  async open(): Promise<void> {
    await this.query('SELECT 1');
    this.opened = true;
  }

  query<Row = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<Row[]> {
    return this.withStaleRetries(() =>
      onConnection(
        this.pool,
        async (client) => (await client.query(namedStatement(sql, parameters))).rows as Row[],
      ),
    );
  }

  async transaction<T>(
    work: (sql: SqlRunner) => Promise<T>,
    options?: TransactionOptions<T>,
  ): Promise<T> {
    const { maxAttempts, commit } = transactionSettings(options);
    const setup = transactionSetup(options);
    for (let attempt = 1; ; attempt++) {
      const progress = { commitSent: false };
      try {
        return await this.withStaleRetries(() =>
          runOnPool(this.pool, work, { commit, setup }, progress),
        );
      } catch (error) {
        if (attempt >= maxAttempts) throw error;
        if (isLostRace(error)) continue;
        const again =
          attempt < CONNECTION_ATTEMPTS && !progress.commitSent && isConnectionLoss(error);
        if (!again) throw error;
        // Gives the pool the time to hear of its other dead connections (a terminated backend
        // tells each of its clients at once) before taking one again.
        await pause(CONNECTION_RETRY_PAUSE_MS * attempt);
      }
    }
  }

  close(): Promise<void> {
    return (this.closing ??= this.pool.end());
  }

  /**
   * Runs `run` again while it fails on a stale prepared statement (its connection is dropped):
   * each such run is free, and after as many as the pool holds, the next connection is new. A
   * COMMIT never fails this way, so a transaction run again here had not committed.
   */
  private async withStaleRetries<T>(run: () => Promise<T>): Promise<T> {
    for (let dropped = 0; ; dropped++) {
      try {
        return await run();
      } catch (error) {
        if (!isStalePreparedStatement(error) || dropped >= poolSizeOf(this.pool)) throw error;
      }
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

function runOnPool<T>(
  pool: Pool,
  work: (sql: SqlRunner) => Promise<T>,
  { commit, setup }: { commit: (value: T) => boolean; setup: readonly string[] },
  progress: { commitSent: boolean },
): Promise<T> {
  return onConnection(pool, async (client, checkout) => {
    // One round trip: a simple query may hold several statements, each with its result.
    const begun = (await client.query(
      ['BEGIN', ...setup, `SELECT (extract(epoch FROM now()) * 1000)::float8 AS now`].join('; '),
    )) as unknown as { rows: { now: number }[] }[];
    const transactionStart = Math.floor(Number(begun.at(-1)?.rows[0]?.now));
    const scoped = transactionScoped(sqlOfClient(client, transactionStart));
    try {
      const result = await work(scoped.sql).finally(scoped.end);
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

/** Says that the database did not answer within the pool's query timeout. */
function queryTimeoutError(pool: Pool, cause: unknown): DatabaseTimeoutError {
  const { queryTimeoutMs } = statementTimeoutsOf(pool);
  return new DatabaseTimeoutError(
    `the database did not answer within ${queryTimeoutMs} ms (the query timeout); the connection was dropped`,
    { cause },
  );
}

function statementTimeoutsOf(pool: Pool): StatementTimeouts {
  const { statement_timeout: statement, query_timeout: query } = pool.options;
  return { statementTimeoutMs: Number(statement) || 0, queryTimeoutMs: Number(query) || 0 };
}

/** The most connections the pool holds (node-postgres's default 10). */
const poolSizeOf = (pool: Pool): number => pool.options.max ?? 10;

/**
 * A named statement the server no longer holds as prepared: a migration changed its result
 * type (0A000) or it was deallocated (26000). node-postgres would send it by name for good on
 * that connection, so the connection is dropped and the statement runs again on another.
 */
function isStalePreparedStatement(error: unknown): boolean {
  const { code, routine } = (error ?? {}) as { code?: unknown; routine?: unknown };
  // The routine names the check whatever the server's language (0A000 says little alone).
  return code === '26000' || (code === '0A000' && routine === 'RevalidateCachedQuery');
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
