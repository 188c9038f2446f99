import type { DataSource, QueryRunner } from 'typeorm';
import type { SqlRunner } from './sql-runner.js';

/**
 * Runs `work` in one database transaction on its own connection: commits when `commit` says
 * so for the value it returned, rolls back otherwise, and rolls back and rethrows on a throw.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (sql: SqlRunner) => Promise<T>,
  commit: (value: T) => boolean = () => true,
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    const value = await work(sqlOf(runner));
    if (commit(value)) await runner.commitTransaction();
    else await runner.rollbackTransaction();
    return value;
  } catch (error) {
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw error;
  } finally {
    await runner.release();
  }
}

/** A SqlRunner on one query runner: rows for SELECT and for statements with RETURNING. */
export function sqlOf(runner: QueryRunner): SqlRunner {
  return {
    query: async <Row>(sql: string, parameters: unknown[] = []) => {
      const result = await runner.query(sql, parameters, true);
      return result.records as Row[];
    },
  };
}
