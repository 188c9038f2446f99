import { topicNames } from '#contracts';
import { createSagaEngine, createSagaRegistry, type EngineEvent } from '#saga-core';
import { WorkSignals } from '../common/work-signals.js';
import { resilienceConfig, resilienceEnvironmentSchema } from '../config/resilience-config.js';
import type { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import type { DecisionRows } from '../persistence/decision-rows.js';
import type { StoredSaga } from '../persistence/saga-rows.js';
import { CommandGate } from '../resilience/command-gate.js';
import type { SagaStore, SagaTransaction } from '../saga-store/saga-store.js';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from '../security/field-cipher.js';
import { parseKeyring } from '../security/keyring.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { DecisionRunner } from './decision-runner.js';

const registry = createSagaRegistry([orderSaga]);
const NOW = Date.parse('2026-12-05T00:00:00Z');
const SAGA_ID = '00000000-0000-4000-8000-0000000000a1';

/**
 * A store in memory that keeps sagas as the real one does: a write checks the version each
 * saga was read at and fails whole with a serialization failure (40001) when one moved.
 */
class MemoryStore implements SagaStore {
  readonly rows = new Map<string, StoredSaga>();
  transactions = 0;
  writesAlone = 0;
  /** Makes the next write alone fail with this error instead of writing. */
  failNextAlone: Error | undefined;

  readonly alone: SagaStore['alone'] = {
    write: async (rows) => {
      this.writesAlone++;
      const failure = this.failNextAlone;
      this.failNextAlone = undefined;
      if (failure !== undefined) throw failure;
      return this.write(rows);
    },
  };

  async transaction<T>(work: (tx: SagaTransaction) => Promise<T>): Promise<T> {
    this.transactions++;
    const tx = {
      now: async () => NOW,
      lock: async (ids: readonly string[]) =>
        new Map(ids.flatMap((id) => (this.rows.has(id) ? [[id, this.rows.get(id)!]] : []))),
      write: (rows: DecisionRows) => this.write(rows),
      hold: async () => undefined,
    } as unknown as SagaTransaction;
    return work(tx);
  }

  /** Moves a saga's version as another instance's decision would. */
  moveBehindTheCache(sagaId: string): void {
    const row = this.rows.get(sagaId)!;
    this.rows.set(sagaId, { ...row, rowVersion: row.rowVersion + 1 });
  }

  private async write(rows: DecisionRows) {
    const read = [
      ...rows.updates.map(({ state, rowVersion }) => ({ sagaId: state.sagaId, rowVersion })),
      ...rows.unchanged,
    ];
    for (const { sagaId, rowVersion } of read) {
      const stored = this.rows.get(sagaId);
      if (stored !== undefined && stored.rowVersion !== rowVersion) {
        throw Object.assign(new Error('1 saga(s) changed meanwhile'), { code: '40001' });
      }
    }
    for (const { state, rowVersion } of rows.updates) {
      const stored = this.rows.get(state.sagaId)!;
      this.rows.set(state.sagaId, { ...stored, state, rowVersion: rowVersion + 1 });
    }
    return { ids: rows.outbox.map((_, index) => String(index + 1)), unsentBefore: [] };
  }
}

function runnerOn(store: MemoryStore): DecisionRunner {
  return new DecisionRunner({
    store,
    engine: createSagaEngine(registry),
    registry,
    plan: { topics: topicNames(), timeScale: 1, lanes: 4 },
    signals: new WorkSignals(),
    sensitive: new SensitiveData(
      registry,
      new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 7).toString('base64')}`)),
    ),
    gate: new CommandGate(resilienceConfig(resilienceEnvironmentSchema.parse({}))),
    fastPath: { publish: () => undefined } as unknown as OutboxFastPath,
    stateCacheSize: 100,
  });
}

/** Starts the order saga through `runner` (a transaction), as the start path does. */
async function startSaga(runner: DecisionRunner, store: MemoryStore): Promise<void> {
  await runner.decide(async (_tx, now, session) => {
    const started = createSagaEngine(registry).start(
      { name: orderSaga.name, version: orderSaga.version },
      {
        sagaId: SAGA_ID,
        input: {
          orderId: 'o-1',
          customerId: 'c-1',
          items: [{ sku: 'sku-1', quantity: 1 }],
          amount: 120,
          currency: 'EUR',
        },
        at: now,
        random: 0.5,
      },
    );
    if (started.state === null) throw new Error(started.rejection.message);
    store.rows.set(SAGA_ID, {
      state: started.state,
      rowVersion: 1,
      idempotencyKey: 'k',
      traceContext: null,
    });
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
    await startSaga(runner, store);
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
