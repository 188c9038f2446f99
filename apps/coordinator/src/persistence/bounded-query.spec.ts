import { jest } from '@jest/globals';
import { DEFAULT_DATABASE_TIMEOUTS, PoolDatabase, type SqlRunner } from '#postgres';
import { InvalidSagaQueryError } from '../application/saga-errors.js';
import { sagaQueryBoundMs, withinQueryBound } from './bounded-query.js';

describe('the bound of a saga query', () => {
  it('is 10 s under the default timeouts, and under none', () => {
    expect(sagaQueryBoundMs(DEFAULT_DATABASE_TIMEOUTS)).toBe(10_000);
    expect(sagaQueryBoundMs({ statementTimeoutMs: 0, queryTimeoutMs: 0 })).toBe(10_000);
  });

  it("never outlasts the operator's statement timeout", () => {
    expect(sagaQueryBoundMs({ statementTimeoutMs: 3_000, queryTimeoutMs: 5_000 })).toBe(3_000);
  });

  it("ends a margin before the client's query timeout, with or without a statement timeout", () => {
    expect(sagaQueryBoundMs({ statementTimeoutMs: 0, queryTimeoutMs: 5_000 })).toBe(4_000);
    expect(sagaQueryBoundMs({ statementTimeoutMs: 3_000, queryTimeoutMs: 3_200 })).toBe(2_200);
    expect(sagaQueryBoundMs({ statementTimeoutMs: 0, queryTimeoutMs: 600 })).toBe(300);
  });

  it('is the shorter limit a caller asks for', () => {
    expect(sagaQueryBoundMs(DEFAULT_DATABASE_TIMEOUTS, 200)).toBe(200);
  });
});

describe('withinQueryBound', () => {
  /**
   * A pool database opened with these timeouts (it never connects), whose transactions run on a
   * runner that records each statement and fails the SELECTs with `selectError`.
   */
  function poolDatabase(statementTimeoutMs: number, queryTimeoutMs: number, selectError?: unknown) {
    const database = PoolDatabase.connect({
      url: 'postgres://127.0.0.1:1/never',
      timeouts: { ...DEFAULT_DATABASE_TIMEOUTS, statementTimeoutMs, queryTimeoutMs },
    });
    const runner: SqlRunner = {
      query: async <Row>(sql: string) => {
        if (selectError !== undefined && sql.startsWith('SELECT')) throw selectError;
        return [] as Row[];
      },
    };
    const transaction = jest
      .spyOn(database, 'transaction')
      .mockImplementation((work: (sql: SqlRunner) => Promise<unknown>) => work(runner) as never);
    return { database, transaction };
  }

  it('runs read-only, at the configured statement timeout when it is shorter than 10 s', async () => {
    const { database, transaction } = poolDatabase(3_000, 5_000);
    await withinQueryBound(database, 'q', (sql) => sql.query('SELECT 1'));
    expect(transaction).toHaveBeenCalledWith(expect.any(Function), {
      readOnly: true,
      statementTimeoutMs: 3_000,
    });
    await database.close();
  });

  it("answers a query cut off at that timeout as the caller's to narrow, saying how long it ran", async () => {
    const { database } = poolDatabase(3_000, 5_000, { code: '57014' });
    const query = withinQueryBound(database, 'q', (sql) => sql.query('SELECT 1'));
    await expect(query).rejects.toThrow(InvalidSagaQueryError);
    await expect(query).rejects.toMatchObject({
      field: 'q',
      message: 'the query ran longer than 3 s: narrow it (sagaType, status, createdAt)',
    });
    await database.close();
  });
});
