import { topicNames } from '#contracts';
import type { SqlRunner } from '#postgres';
import { createSagaEngine, createSagaRegistry, type SagaState } from '#saga-core';
import { resilienceConfig, resilienceEnvironmentSchema } from '../config/resilience-config.js';
import type { StoredSaga } from '../persistence/saga-rows.js';
import { CommandGate } from '../resilience/command-gate.js';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from '../security/field-cipher.js';
import { parseKeyring } from '../security/keyring.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { DecisionSession } from './decision-session.js';

const registry = createSagaRegistry([orderSaga]);
const engine = createSagaEngine(registry);
const NOW = Date.parse('2026-12-05T00:00:00Z');

/** The parameters of each statement the session sends (a fake database that answers them all). */
function recordingSql(): { sql: SqlRunner; statements: unknown[][] } {
  const statements: unknown[][] = [];
  const sql: SqlRunner = {
    query: <Row>(_text: string, parameters: unknown[] = []) => {
      statements.push(parameters);
      return Promise.resolve([{ outbox_ids: [], unsent_before: [] }] as Row[]);
    },
  };
  return { sql, statements };
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

describe('DecisionSession: the sagas whose version its statement checks', () => {
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

  /** Flushes the session; resolves with the version checks of its one statement. */
  async function flushed() {
    const { sql, statements } = recordingSql();
    await session.flush(sql);
    expect(statements).toHaveLength(1);
    const [updates, , , , , expected, unchanged] = statements[0]!;
    return {
      updated: JSON.parse(updates as string) as { id: string; row_version: number }[],
      unchanged: JSON.parse(unchanged as string) as { id: string; row_version: number }[],
      expected,
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
      unchanged: [{ id: read.state.sagaId, row_version: 3 }],
      expected: 1,
    });
  });

  it('checks no saga it inserted in its own transaction (nothing else can have moved it)', async () => {
    const state = started('00000000-0000-4000-8000-000000000002');
    session.record(state, [], 'new', null);
    expect(await flushed()).toEqual({ updated: [], unchanged: [], expected: 0 });
  });
});
