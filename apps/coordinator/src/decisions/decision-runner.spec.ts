import { createSagaEngine, type EngineEvent } from '#saga-core';
import type { StoredSaga } from '../persistence/saga-rows.js';
import { orderSaga } from '../sagas/order.saga.js';
import type { DecisionRunner } from './decision-runner.js';
import { MemoryStore, NOW, orderInput, registry, runnerOn } from './memory-saga-store.fixture.js';

const SAGA_ID = '00000000-0000-4000-8000-0000000000a1';

/** Starts the order saga through `runner` (a transaction), as the start path does. */
async function startSaga(runner: DecisionRunner): Promise<void> {
  await runner.decide(async (_tx, now, session) => {
    const started = createSagaEngine(registry).start(
      { name: orderSaga.name, version: orderSaga.version },
      {
        sagaId: SAGA_ID,
        input: orderInput('o-1'),
        at: now,
        random: 0.5,
      },
    );
    if (started.state === null) throw new Error(started.rejection.message);
    session.record(started.state, started.effects, 'k', null);
  });
}

/** The reply that completes the saga's first step. */
function firstReply(saga: StoredSaga): EngineEvent {
  const [stepId] = Object.keys(saga.state.steps);
  return {
    type: 'reply',
    at: NOW,
    random: 0.5,
    messageId: 'reply-1',
    stepId: stepId!,
    action: 'execute',
    attempt: 1,
    outcome: { status: 'success', result: {} },
  };
}

describe('DecisionRunner.decideOn: sagas in its cache', () => {
  let store: MemoryStore;
  let runner: DecisionRunner;
  /** The row versions the work saw, one per time it ran. */
  let seen: number[];
  const applyFirstReply = () =>
    runner.decideOn([SAGA_ID], (sagas, _now, session) => {
      const saga = sagas.get(SAGA_ID)!;
      seen.push(saga.rowVersion);
      session.apply(saga, firstReply(saga));
    });

  beforeEach(async () => {
    store = new MemoryStore();
    runner = runnerOn(store);
    seen = [];
    await startSaga(runner);
    expect(store.transactions).toBe(1);
  });

  it('decides on the cached state and writes it alone: no transaction, no lock', async () => {
    const before = store.rows.get(SAGA_ID)!.state;
    await applyFirstReply();
    expect(seen).toEqual([1]);
    const after = store.rows.get(SAGA_ID)!.state;
    expect(after).not.toEqual(before); // the reply was applied and its state stored
    expect(store.transactions).toBe(1);
    expect(store.writesAlone).toBe(1);
    expect(store.rows.get(SAGA_ID)!.rowVersion).toBe(2);
  });

  it('decides again on the row locked afresh when another writer moved the saga', async () => {
    store.moveBehindTheCache(SAGA_ID); // version 2 in the store, 1 in the cache
    await applyFirstReply();
    expect(seen).toEqual([1, 2]); // the cached state, refused; then the stored one
    expect(store.writesAlone).toBe(1);
    expect(store.transactions).toBe(2);
    expect(store.rows.get(SAGA_ID)!.rowVersion).toBe(3);
  });

  it('decides again in a transaction when the write alone lost its connection', async () => {
    store.failNextAlone = new Error('Connection terminated unexpectedly');
    await applyFirstReply();
    expect(seen).toEqual([1, 1]);
    expect(store.transactions).toBe(2);
  });

  it('throws any other failure of the write alone, and reads the saga afresh next time', async () => {
    store.failNextAlone = new Error('value too long for type character varying(64)');
    await expect(applyFirstReply()).rejects.toThrow('value too long');
    expect(store.transactions).toBe(1);
    await applyFirstReply();
    expect(store.transactions).toBe(2); // forgotten by the cache: locked and read in a transaction
    expect(store.writesAlone).toBe(1);
  });
});

describe('DecisionRunner: the hints of the timers it commits', () => {
  it('gives each timer’s due time on this process’s clock, whatever the database’s reads', async () => {
    // The store's clock (NOW) is days behind this process's: the poller's hints must not be.
    const store = new MemoryStore();
    const runner = runnerOn(store);
    const hints: number[] = [];
    runner.parts.signals.onTimer((dueAt) => hints.push(dueAt));

    const before = Date.now();
    await startSaga(runner);
    const after = Date.now();

    // Reply timeouts and the saga's deadline: all ahead of this process's clock, none past.
    expect(hints.length).toBeGreaterThan(0);
    for (const hint of hints) {
      expect(hint).toBeGreaterThanOrEqual(before + 1_000);
      expect(hint).toBeLessThanOrEqual(after + 24 * 3_600_000);
    }
    expect(NOW).toBeLessThan(before - 5_000);
  });
});
