import type { DataSource, QueryRunner } from 'typeorm';
import { Database } from './database.js';
import {
  isLostRace,
  transactionSettings,
  transactionScoped,
  transactionSetup,
  type SqlRunner,
  type TransactionOptions,
} from './sql-runner.js';

/**
 * A Database on a TypeORM data source with a single connection (the embedded PGlite): every
 * statement and transaction waits for the one before it, since concurrent ones would interleave
 * on the connection. The data source is initialized by `open` and destroyed by `close`.
 */
export class SingleConnectionDatabase extends Database {
  private tail: Promise<void> = Promise.resolve();

  constructor(readonly dataSource: DataSource) {
    super();
  }

  get isOpen(): boolean {
    return this.dataSource.isInitialized;
  }

  /** Initializes the data source, in turn with everything else (two opens initialize once). */
  open(): Promise<void> {
    return this.inTurn(async () => {
      if (!this.dataSource.isInitialized) await this.dataSource.initialize();
    });
  }

  query<Row = Record<string, unknown>>(sql: string, parameters: unknown[] = []): Promise<Row[]> {
    return this.inTurn(async () => {
      const runner = this.dataSource.createQueryRunner();
      try {
        return await sqlOf(runner).query<Row>(sql, parameters);
      } finally {
        await runner.release();
      }
    });
  }

  async transaction<T>(
    work: (sql: SqlRunner) => Promise<T>,
    options?: TransactionOptions<T>,
  ): Promise<T> {
    const { maxAttempts, commit } = transactionSettings(options);
    const setup = transactionSetup(options);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.inTurn(() => this.runOnce(work, commit, setup));
      } catch (error) {
        if (attempt >= maxAttempts || !isLostRace(error)) throw error;
      }
    }
  }

  async close(): Promise<void> {
    await this.inTurn(async () => {
      if (this.dataSource.isInitialized) await this.dataSource.destroy();
    });
  }

  private async runOnce<T>(
    work: (sql: SqlRunner) => Promise<T>,
    commit: (value: T) => boolean,
    setup: readonly string[],
  ): Promise<T> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      await runner.startTransaction();
      for (const statement of setup) await runner.query(statement);
      const scoped = transactionScoped(sqlOf(runner));
      const result = await work(scoped.sql).finally(scoped.end);
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

  private async inTurn<T>(work: () => Promise<T>): Promise<T> {
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    try {
      return await work();
    } finally {
      release();
    }
  }
}

function sqlOf(runner: QueryRunner): SqlRunner {
  return {
    query: async <Row>(sql: string, parameters?: unknown[]) =>
      rowsOf<Row>(await runner.query(sql, parameters, true)),
  };
}

/** The rows of TypeORM's structured result, which gives them for every kind of statement. */
function rowsOf<Row>(result: { records?: unknown }): Row[] {
  return (result.records ?? []) as Row[];
}
