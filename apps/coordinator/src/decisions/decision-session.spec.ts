import { topicNames } from '#contracts';
import { createSagaEngine, createSagaRegistry, type SagaState } from '#saga-core';
import { resilienceConfig, resilienceEnvironmentSchema } from '../config/resilience-config.js';
import type { DecisionRows } from '../persistence/decision-rows.js';
import type { StoredSaga } from '../persistence/saga-rows.js';
import { CommandGate } from '../resilience/command-gate.js';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from '../security/field-cipher.js';
import { parseKeyring } from '../security/keyring.js';
import type { DecisionWriter } from '../saga-store/saga-store.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { DecisionSession } from './decision-session.js';

const registry = createSagaRegistry([orderSaga]);
const engine = createSagaEngine(registry);
const NOW = Date.parse('2026-12-05T00:00:00Z');

/** What the session writes (a fake store that takes every write). */
function recordingWriter(): { writer: DecisionWriter; written: DecisionRows[] } {
  const written: DecisionRows[] = [];
  const writer: DecisionWriter = {
    write: (rows) => {
      written.push(rows);
      return Promise.resolve({ ids: [], unsentBefore: [] });
    },
    hold: () => Promise.resolve(),
  };
  return { writer, written };
}

function started(sagaId: string): SagaState {
  const result = engine.start(
    { name: 'order' },
    {
      sagaId,
      at: NOW,
      random: 0.5,
      input: {
        orderId: 'o-1',
        customerId: 'c-1',
        items: [{ sku: 'apple', quantity: 1 }],
        amount: 120,
        currency: 'EUR',
      },
    },
  );
  if (result.state === null) throw new Error(result.rejection.message);
  return result.state;
}

describe('DecisionSession: the sagas whose version its write checks', () => {
  let session: DecisionSession;

  beforeEach(() => {
    const gate = new CommandGate(resilienceConfig(resilienceEnvironmentSchema.parse({})));
    const sensitive = new SensitiveData(
      registry,
      new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`)),
    );
    const plan = { topics: topicNames(), timeScale: 1, lanes: 4 };
    session = new DecisionSession(engine, registry, plan, gate, NOW, sensitive);
  });

  /** Flushes the session; resolves with the version checks of its one write. */
  async function flushed() {
    const { writer, written } = recordingWriter();
    await session.flush(writer);
    expect(written).toHaveLength(1);
    const { updates, unchanged } = written[0]!;
    return {
      updated: updates.map(({ state, rowVersion }) => ({ id: state.sagaId, rowVersion })),
      unchanged: unchanged.map(({ sagaId, rowVersion }) => ({ id: sagaId, rowVersion })),
    };
  }

  it('checks a saga it read and left as it was, at the version read', async () => {
    const read: StoredSaga = {
      state: started('00000000-0000-4000-8000-000000000001'),
      rowVersion: 3,
      idempotencyKey: 'read',
      traceContext: null,
    };
    // A reply to a step the saga has not started: stray, audited as ignored, the state as it was.
    session.apply(read, {
      type: 'reply',
      at: NOW,
      random: 0.5,
      messageId: 'm-1',
      stepId: 'capture-payment',
      action: 'execute',
      attempt: 1,
      outcome: { status: 'success', result: {} },
    });
    expect(await flushed()).toEqual({
      updated: [],
      unchanged: [{ id: read.state.sagaId, rowVersion: 3 }],
    });
  });

  it('checks no saga it inserted in its own transaction (nothing else can have moved it)', async () => {
    const state = started('00000000-0000-4000-8000-000000000002');
    session.record(state, [], 'new', null);
    expect(await flushed()).toEqual({ updated: [], unchanged: [] });
  });
});
