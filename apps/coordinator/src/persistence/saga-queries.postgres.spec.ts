import type { AnySagaDefinition } from '#saga-core';
import type { Database } from '#postgres';
import { InvalidCursorError, InvalidSagaQueryError } from '../application/saga-errors.js';
import {
  decodeSagaCursor,
  encodeSagaCursor,
  PostgresSagaQueries,
} from './saga-queries.postgres.js';

const cursor = {
  createdAt: '2026-10-01T08:06:00.123456Z',
  id: '0b9a5c44-7d8e-4f0e-9a3b-2f3c4d5e6f70',
};
const base64url = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

/**
 * A Database with no timeouts of its own that answers every query with the given rows (or fails
 * every SELECT with `selectError`), in a transaction or not, and records what it was asked and
 * the options of its transactions.
 */
function fakeDataSource(
  rows: unknown[],
  selectError?: unknown,
): { database: Database; calls: [string, unknown[]][]; transactions: unknown[] } {
  const calls: [string, unknown[]][] = [];
  const transactions: unknown[] = [];
  const runner = {
    query: async (sql: string, params: unknown[] = []) => {
      calls.push([sql, params]);
      if (selectError !== undefined && /^\s*SELECT/.test(sql)) throw selectError;
      return sql.startsWith('SET ') ? [] : rows;
    },
  };
  const database = {
    ...runner,
    transaction: (work: (sql: typeof runner) => Promise<unknown>, options?: unknown) => {
      transactions.push(options);
      return work(runner);
    },
    statementTimeouts: () => ({ statementTimeoutMs: 0, queryTimeoutMs: 0 }),
  } as unknown as Database;
  return { database, calls, transactions };
}

/** The parameters of the list's SELECT among `calls`. */
const selectParameters = (calls: [string, unknown[]][]) =>
  calls.find(([sql]) => /^\s*SELECT/.test(sql))?.[1];

describe('the saga list cursor', () => {
  it('round-trips through opaque base64url text', () => {
    const text = encodeSagaCursor(cursor);
    expect(text).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(text).not.toContain(cursor.id);
    expect(decodeSagaCursor(text)).toEqual(cursor);
  });

  it('refuses anything a page did not give out', () => {
    const wellFormed = { v: 1, t: cursor.createdAt, id: cursor.id };
    const refused = [
      '',
      '///',
      'x'.repeat(501),
      base64url('not json'),
      base64url('[]'),
      base64url(JSON.stringify({ ...wellFormed, v: 2 })),
      base64url(JSON.stringify({ ...wellFormed, extra: 1 })),
      base64url(JSON.stringify({ ...wellFormed, id: 'nope' })),
      base64url(JSON.stringify({ ...wellFormed, t: '2026-10-01T08:06:00Z' })),
      base64url(JSON.stringify({ ...wellFormed, t: '2026-02-30T08:06:00.000000Z' })),
      base64url(JSON.stringify({ ...wellFormed, t: '0000-01-01T00:00:00.000000Z' })),
    ];
    for (const text of refused) {
      expect(() => decodeSagaCursor(text)).toThrow(InvalidCursorError);
    }
  });
});

describe('PostgresSagaQueries.list', () => {
  const summaryRow = (id: string) => ({
    id,
    saga_type: 'order-checkout',
    saga_version: 1,
    status: 'running',
    idempotency_key: `key-${id}`,
    created_at: new Date('2026-10-01T08:06:00.123Z'),
    updated_at: new Date('2026-10-01T08:07:00.000Z'),
    created_key: '2026-10-01T08:06:00.123456Z',
  });

  it('refuses a bad cursor before it queries', async () => {
    const { database, calls } = fakeDataSource([]);
    await expect(
      new PostgresSagaQueries(database).list({ limit: 10, cursor: 'bogus' }),
    ).rejects.toThrow(InvalidCursorError);
    expect(calls).toEqual([]);
  });

  it('asks for one row more than the page and gives a cursor at its last saga when there are more', async () => {
    const ids = [
      '00000000-0000-4000-8000-000000000003',
      '00000000-0000-4000-8000-000000000002',
      cursor.id,
    ];
    const { database, calls } = fakeDataSource(ids.map(summaryRow));
    const page = await new PostgresSagaQueries(database).list({ limit: 2, status: 'running' });
    expect(selectParameters(calls)).toEqual(['running', 3]);
    expect(page.items.map((item) => item.sagaId)).toEqual(ids.slice(0, 2));
    expect(page.items[0]).toEqual({
      sagaId: ids[0],
      sagaType: 'order-checkout',
      sagaVersion: 1,
      status: 'running',
      idempotencyKey: `key-${ids[0]}`,
      createdAt: '2026-10-01T08:06:00.123Z',
      updatedAt: '2026-10-01T08:07:00.000Z',
    });
    expect(decodeSagaCursor(page.nextCursor ?? '')).toEqual({
      createdAt: '2026-10-01T08:06:00.123456Z',
      id: ids[1],
    });
  });

  it('gives no cursor on the last page', async () => {
    const { database } = fakeDataSource([summaryRow(cursor.id)]);
    const page = await new PostgresSagaQueries(database).list({ limit: 2 });
    expect(page.nextCursor).toBeNull();
  });

  it('reads within the query bound, read-only, with the plain filters as with q', async () => {
    const { database, transactions } = fakeDataSource([]);
    await new PostgresSagaQueries(database).list({ limit: 2, status: 'completed' });
    expect(transactions).toEqual([{ readOnly: true, statementTimeoutMs: 10_000 }]);
  });

  it("answers a list with plain filters cut off by the bound as the caller's to narrow, naming the filters", async () => {
    const { database } = fakeDataSource([], { code: '57014' });
    const list = new PostgresSagaQueries(database).list({
      limit: 50,
      status: 'completed',
      sagaType: 'order-never-completes',
    });
    await expect(list).rejects.toThrow(InvalidSagaQueryError);
    await expect(list).rejects.toMatchObject({
      field: 'status, sagaType',
      message: 'the query ran longer than 10 s: narrow it (createdFrom, createdTo)',
    });
  });

  it('refuses a limit outside 1..200', async () => {
    const { database } = fakeDataSource([]);
    await expect(new PostgresSagaQueries(database).list({ limit: 201 })).rejects.toThrow(
      RangeError,
    );
  });
});

describe('PostgresSagaQueries.get', () => {
  const viewRow = {
    id: cursor.id,
    saga_type: 'order-checkout',
    saga_version: 2,
    status: 'stuck',
    idempotency_key: 'k-1',
    created_at: new Date('2026-10-01T08:06:00.000Z'),
    updated_at: new Date('2026-10-01T08:09:00.000Z'),
    // As jsonb gives it back: keys sorted by length, not in declaration order.
    state: {
      input: { amount: 5 },
      context: { amount: 5 },
      cause: { type: 'deadline', at: 1 },
      reason: 'compensation of reserve-stock ran out of attempts',
      steps: {
        pay: { status: 'compensated', attempts: 1 },
        'reserve-stock': {
          status: 'compensation-backing-off',
          attempt: 3,
          retryAt: Date.parse('2026-10-01T08:10:00.000Z'),
          lastOutcome: { status: 'error', code: 'db-down', message: 'down' },
          outcomeUnknown: false,
          budgetFrom: 1,
        },
      },
    },
    // The pending timers' due times by step, as Postgres JSON gives them.
    wakeups: { 'reserve-stock': '2026-10-01T10:10:00+02:00' },
    history: [
      {
        at: '2026-10-01T10:06:00.123456+02:00',
        eventType: 'start',
        fromStatus: null,
        toStatus: 'running',
        stepId: null,
        attempt: null,
        actor: null,
        applied: true,
        detail: 'started',
      },
    ],
  };
  const registry = {
    get: (name: string, version: number) =>
      name === 'order-checkout' && version === 2
        ? ({ steps: [{ id: 'reserve-stock' }, { id: 'pay' }] } as unknown as AnySagaDefinition)
        : undefined,
    list: () => [],
  };

  it('is undefined for an unknown saga', async () => {
    const { database } = fakeDataSource([]);
    expect(await new PostgresSagaQueries(database).get(cursor.id)).toBeUndefined();
  });

  it('lists the steps of the state in declaration order, each with its next wake-up', async () => {
    const { database } = fakeDataSource([viewRow]);
    const view = await new PostgresSagaQueries(database, registry).get(cursor.id);
    expect(view?.steps).toEqual([
      {
        stepId: 'reserve-stock',
        status: 'compensation-backing-off',
        attempt: 3,
        nextWakeupAt: '2026-10-01T08:10:00.000Z',
        lastOutcome: { status: 'error', code: 'db-down', message: 'down' },
      },
      {
        stepId: 'pay',
        status: 'compensated',
        attempt: 1,
        nextWakeupAt: null,
        lastOutcome: null,
      },
    ]);
  });

  it('falls back to the order of the state when the registry lacks the version', async () => {
    const { database } = fakeDataSource([viewRow]);
    const view = await new PostgresSagaQueries(database).get(cursor.id);
    expect(view?.steps.map((step) => step.stepId)).toEqual(['pay', 'reserve-stock']);
  });

  it('takes input, context, cause and reason from the state and gives times in UTC', async () => {
    const { database } = fakeDataSource([viewRow]);
    const view = await new PostgresSagaQueries(database, registry).get(cursor.id);
    expect(view).toMatchObject({
      sagaId: cursor.id,
      sagaVersion: 2,
      status: 'stuck',
      input: { amount: 5 },
      context: { amount: 5 },
      cause: { type: 'deadline', at: 1 },
      reason: 'compensation of reserve-stock ran out of attempts',
      createdAt: '2026-10-01T08:06:00.000Z',
    });
    expect(view?.history[0]?.at).toBe('2026-10-01T08:06:00.123Z');
  });

  it('shows a null cause and reason when the state has none', async () => {
    const { database } = fakeDataSource([{ ...viewRow, state: { steps: {} }, wakeups: null }]);
    const view = await new PostgresSagaQueries(database).get(cursor.id);
    expect(view).toMatchObject({ cause: null, reason: null, input: null, steps: [] });
  });
});
