import type { SqlRunner } from '#postgres';
import type { SagaState } from '#saga-core';
import { writeDecision, type DecisionRows } from './decision-rows.js';

describe('writeDecision', () => {
  const state = { sagaId: 'saga-1', status: 'running', steps: {} } as unknown as SagaState;
  const noRows: DecisionRows = {
    inserts: [],
    updates: [{ state, rowVersion: 3, awaiting: [] }],
    unchanged: [],
    audit: [],
    outbox: [],
    timers: [],
    cancelledTimers: [],
  };
  const runner = () => {
    const statements: unknown[][] = [];
    const sql: SqlRunner = {
      query: async <Row>(_text: string, parameters?: unknown[]) => {
        statements.push(parameters ?? []);
        return [{ outbox_ids: [], unsent_before: [] }] as Row[];
      },
    };
    return { sql, statements };
  };

  it('writes the timers of the sagas it writes, each with its saga', async () => {
    const { sql, statements } = runner();
    await writeDecision(sql, {
      ...noRows,
      timers: [
        { id: 'saga-1:deadline', sagaId: 'saga-1', dueAt: 1_000.4, wakeup: { kind: 'deadline' } },
      ],
      cancelledTimers: [{ id: 'saga-1:first:reply-timeout:1', sagaId: 'saga-1' }],
    });

    const [parameters] = statements;
    // Keyed in the row by their ids without the saga's.
    expect(JSON.parse(parameters![2] as string)).toEqual([
      { key: 'first:reply-timeout:1', saga_id: 'saga-1' },
    ]);
    expect(JSON.parse(parameters![3] as string)).toEqual([
      expect.objectContaining({ key: 'deadline', saga_id: 'saga-1', due_ms: 1_000 }),
    ]);
  });

  it('refuses a timer of a saga it does not write, which would be lost, before any statement', async () => {
    const { sql, statements } = runner();
    const armed = {
      id: 'saga-9:deadline',
      sagaId: 'saga-9',
      dueAt: 1,
      wakeup: { kind: 'deadline' },
    } as const;

    await expect(writeDecision(sql, { ...noRows, timers: [armed] })).rejects.toThrow(
      'timer saga-9:deadline is of saga saga-9, which the decision does not write',
    );
    await expect(
      writeDecision(sql, {
        ...noRows,
        cancelledTimers: [{ id: 'saga-8:deadline', sagaId: 'saga-8' }],
      }),
    ).rejects.toThrow('timer saga-8:deadline is of saga saga-8');
    expect(statements).toEqual([]);
  });

  it('refuses a timer id the engine does not build: its key would not say what it wakes for', async () => {
    const { sql } = runner();
    const odd = {
      id: 'saga-1:nap',
      sagaId: 'saga-1',
      dueAt: 1,
      wakeup: { kind: 'deadline' },
    } as const;

    await expect(writeDecision(sql, { ...noRows, timers: [odd] })).rejects.toThrow(
      'timer saga-1:nap of saga saga-1 is not an id the engine builds',
    );
  });
});
