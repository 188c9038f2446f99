// Grouped starts racing another transaction for an idempotency key, on the real Postgres. One
// startMany holds two copies of key K: the first with input X, the second with input W. Another
// transaction inserted K with input W before the group's statement ran (the group starts
// without looking its keys up), and commits only once the group's insert of K waits on it, so
// the group loses K on the unique index and writes nothing. Its starts then take the
// transaction that looks the keys up, and each copy is answered against the saga that won: X
// conflicts (409), W gets the winner's saga back, never the first copy's 409 (the bug fixed by
// f1b72b7).
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

  it('answers each copy of a key lost to another transaction against the saga that won', async () => {
    const key = 'raced-key';
    // The winner's input carries a sensitive field: the group compares it opened, as stored.
    const winnerInput = { ...orderInput('winner'), payment: { cardToken: 'tok-winner' } };
    const otherInput = orderInput('other');
    const winner = competingStart(key, winnerInput);
    const winnerId = winner.state.sagaId;

    // The competing transaction, on a connection of its own: it inserts K, tells its backend's
    // pid, and commits only when released.
    let releaseCompetitor!: () => void;
    const competitorReleased = new Promise<void>((resolve) => (releaseCompetitor = resolve));
    let holdsKey!: (pid: number) => void;
    const competitorHoldsKey = new Promise<number>((resolve) => (holdsKey = resolve));
    const competitor = environment.db.transaction(
      async (sql) => {
        const [backend] = await sql.query<{ pid: number }>(`SELECT pg_backend_pid() AS pid`);
        // As another instance's start writes it: the saga's row with the rest of its decision.
        await writeDecision(sql, {
          inserts: [winner],
          updates: [],
          unchanged: [],
          audit: [],
          outbox: [],
          timers: [],
          cancelledTimers: [],
        });
        holdsKey(backend!.pid);
        await competitorReleased;
      },
      { maxAttempts: 1 },
    );

    try {
      const competitorPid = await Promise.race([
        competitorHoldsKey,
        competitor.then(() => {
          throw new Error('the competing transaction ended before it held the key');
        }),
      ]);

      // K is not committed yet: the group finds no saga for it and inserts its own.
      const answers = coordinator.decisions.startMany([
        { sagaType: 'order', idempotencyKey: key, input: otherInput },
        { sagaType: 'order', idempotencyKey: key, input: winnerInput },
      ]);
      await waitFor('the group to wait on the competing transaction to insert K', async () => {
        const blocked = await environment.db.query<{ query: string }>(
          `SELECT query FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))`,
          [competitorPid],
        );
        return blocked.some((backend) => backend.query.includes('INSERT INTO sagas'));
      });

      releaseCompetitor();
      await competitor;
      const [conflicting, repeat] = await answers;
      expect(conflicting).toBeInstanceOf(IdempotencyConflictError);
      expect((conflicting as Error).message).toContain(winnerId);
      expect(repeat).toEqual({ sagaId: winnerId, created: false, status: 'running' });
    } finally {
      // A failure above must not leave the competing transaction open.
      releaseCompetitor();
      await competitor.catch(() => undefined);
    }

    const rows = await environment.db.query<{ id: string }>(
      `SELECT id FROM sagas WHERE idempotency_key = $1`,
      [key],
    );
    expect(rows).toEqual([{ id: winnerId }]);
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
