// Starts racing another transaction for an idempotency key, on the real Postgres. Another
// instance's start holds key K uncommitted; the group's statement, which starts its sagas
// without looking their keys up, waits on it.
// - One startMany holds two copies of K: the first with input X, the second with input W; the
//   other start (input W) commits, so the group loses K on the unique index and writes nothing.
//   Its starts then take the transaction that looks the keys up, and each copy is answered
//   against the saga that won: X conflicts (409), W gets the winner's saga back, never the first
//   copy's 409 (the bug fixed by f1b72b7).
// - The backend of the waiting statement is terminated: the start is tried again on another
//   connection, the other start rolls back, and exactly one saga holds K: the group's.
import { randomUUID } from 'node:crypto';
import { createSagaEngine } from '#saga-core';
import { IdempotencyConflictError } from '../../../apps/coordinator/src/application/saga-errors.js';
import { writeDecision } from '../../../apps/coordinator/src/persistence/decision-rows.js';
import type { NewSaga } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import type { CoordinatorRuntime } from '../../../apps/coordinator/src/runtime/coordinator-runtime.js';
import { createSampleSagaRegistry } from '../../../apps/coordinator/src/sagas/saga-catalog.js';
import {
  createEnvironment,
  startCoordinator,
  type CoordinatorEnvironment,
} from '../../support/coordinator-fixture.js';
import { orderInput } from '../../support/saga-load.js';
import { waitFor } from '../../support/wait-for.js';

describe('grouped starts racing another transaction for a key', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorRuntime;

  beforeAll(async () => {
    environment = await createEnvironment('it_start_race');
    coordinator = await startCoordinator(environment);
  });

  afterAll(async () => {
    await coordinator?.stop();
    await environment?.dispose();
  });

  /**
   * The row another instance's start of `input` under `idempotencyKey` inserts: the engine's
   * started state, its sensitive fields sealed (with the coordinator's keys). No participant is
   * counted as awaited: the answers to the group read only the key, status and input.
   */
  function competingStart(idempotencyKey: string, input: unknown): NewSaga {
    const started = createSagaEngine(createSampleSagaRegistry()).start(
      { name: 'order' },
      { sagaId: randomUUID(), input, at: Date.now(), random: 0.5 },
    );
    if (started.state === null) throw new Error(started.rejection.message);
    return {
      state: coordinator.sensitive.sealState(started.state),
      idempotencyKey,
      traceContext: null,
      awaiting: [],
    };
  }

  /**
   * Another instance's start of `saga`, in a transaction on a connection of its own: it inserts
   * the saga's row as a start writes it, then holds the key until `end` commits or rolls back.
   */
  async function holdKeyUncommitted(saga: NewSaga) {
    let end!: (outcome: 'commit' | 'rollback') => void;
    const ended = new Promise<'commit' | 'rollback'>((resolve) => (end = resolve));
    let holdsKey!: (pid: number) => void;
    const heldBy = new Promise<number>((resolve) => (holdsKey = resolve));
    const transaction = environment.db.transaction(
      async (sql) => {
        const [backend] = await sql.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
        await writeDecision(sql, {
          inserts: [saga],
          updates: [],
          unchanged: [],
          audit: [],
          outbox: [],
          timers: [],
          cancelledTimers: [],
        });
        holdsKey(backend!.pid);
        if ((await ended) === 'rollback') throw new Error('rolled back');
      },
      { maxAttempts: 1 },
    );
    const done = transaction.then(
      () => 'committed' as const,
      (error: unknown) => {
        if (error instanceof Error && error.message === 'rolled back')
          return 'rolled back' as const;
        throw error;
      },
    );
    const pid = await Promise.race([
      heldBy,
      done.then(() => {
        throw new Error('the competing transaction ended before it held the key');
      }),
    ]);
    return { pid, end, done };
  }

  /** The pids of the backends waiting on `pid` to insert a saga. */
  async function insertsBlockedBy(pid: number): Promise<number[]> {
    const blocked = await environment.db.query<{ pid: number; query: string }>(
      `SELECT pid, query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
      [pid],
    );
    // A decision's statement (writeDecision) inserts the new sagas.
    return blocked
      .filter((row) => row.query.startsWith('/* writeDecision */'))
      .map((row) => row.pid);
  }

  const sagasOf = (key: string) =>
    environment.db.query<{ id: string }>(`SELECT id FROM sagas WHERE idempotency_key = $1`, [key]);

  it('answers each copy of a key lost to another transaction against the saga that won', async () => {
    const key = 'raced-key';
    // The winner's input carries a sensitive field: the group compares it opened, as stored.
    const winnerInput = { ...orderInput('winner'), payment: { cardToken: 'tok-winner' } };
    const otherInput = orderInput('other');
    const winner = competingStart(key, winnerInput);
    const winnerId = winner.state.sagaId;
    const competitor = await holdKeyUncommitted(winner);
    try {
      // K is not committed yet: the group's statement inserts K, and waits on the competitor.
      const answers = coordinator.decisions.startMany([
        { sagaType: 'order', idempotencyKey: key, input: otherInput },
        { sagaType: 'order', idempotencyKey: key, input: winnerInput },
      ]);
      await waitFor(
        'the group to wait on the competing transaction to insert K',
        async () => (await insertsBlockedBy(competitor.pid)).length > 0,
      );
      competitor.end('commit');
      expect(await competitor.done).toBe('committed');
      const [conflicting, repeat] = await answers;
      expect(conflicting).toBeInstanceOf(IdempotencyConflictError);
      expect((conflicting as Error).message).toContain(winnerId);
      expect(repeat).toEqual({ sagaId: winnerId, created: false, status: 'running' });
    } finally {
      // A failure above must not leave the competing transaction open.
      competitor.end('rollback');
      await competitor.done.catch(() => undefined);
    }
    expect(await sagasOf(key)).toEqual([{ id: winnerId }]);
  });

  it('starts a saga once when the connection of its statement is lost, and again when its race is', async () => {
    const key = 'cut-key';
    const competitor = await holdKeyUncommitted(competingStart(key, orderInput('rival')));
    try {
      const answers = coordinator.decisions.startMany([
        { sagaType: 'order', idempotencyKey: key, input: orderInput('mine') },
      ]);
      // The start's statement waits on K: its backend is cut there (a failover, an operator).
      let cut = 0;
      await waitFor('the start to wait on the competing transaction', async () => {
        [cut = 0] = await insertsBlockedBy(competitor.pid);
        return cut > 0;
      });
      await environment.db.query(`SELECT pg_terminate_backend($1)`, [cut]);
      // The start is tried again on another connection, and waits on K again.
      await waitFor('the start to wait on K again, from another backend', async () => {
        const blocked = await insertsBlockedBy(competitor.pid);
        return blocked.length > 0 && !blocked.includes(cut);
      });
      competitor.end('rollback');
      expect(await competitor.done).toBe('rolled back');
      const [answer] = await answers;
      expect(answer).toMatchObject({ created: true, status: 'running' });
      expect(await sagasOf(key)).toEqual([{ id: (answer as { sagaId: string }).sagaId }]);
    } finally {
      competitor.end('rollback');
      await competitor.done.catch(() => undefined);
    }
  });

  it('answers a refused copy of a key its group starts like a retry', async () => {
    const valid = { sagaType: 'order', idempotencyKey: 'copies', input: orderInput('o-copies') };
    const refused = { ...valid, input: { ...orderInput('o-copies'), amount: -1 } };
    const [started, copy] = await coordinator.decisions.startMany([valid, refused]);
    expect(started).toMatchObject({ created: true });
    // Sent one after the other, the copy would meet the saga: another input, a conflict.
    expect(copy).toBeInstanceOf(IdempotencyConflictError);
    const [again] = await coordinator.decisions.startMany([valid]);
    expect(again).toEqual({ ...(started as object), created: false });
  });
});
