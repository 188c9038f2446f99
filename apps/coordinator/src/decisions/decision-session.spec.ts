import { topicNames } from '#contracts';
import {
  createSagaEngine,
  createSagaRegistry,
  type SagaState,
  type TransitionResult,
} from '#saga-core';
import { resilienceConfig, resilienceEnvironmentSchema } from '../config/resilience-config.js';
import type { DecisionRows } from '../persistence/decision-rows.js';
import type { StoredSaga } from '../persistence/saga-rows.js';
import { CommandGate } from '../resilience/command-gate.js';
import type { HeldCommandRow } from '../resilience/held-commands.js';
import { orderSaga } from '../sagas/order.saga.js';
import { FieldCipher } from '../security/field-cipher.js';
import { parseKeyring } from '../security/keyring.js';
import type { DecisionWriter } from '../saga-store/saga-store.js';
import { SensitiveData } from '../security/sensitive-data.js';
import { DecisionSession } from './decision-session.js';
import { orderInput } from './memory-saga-store.fixture.js';

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
  return startedWithEffects(sagaId).state;
}

function startedWithEffects(sagaId: string): { state: SagaState; effects: Effects } {
  const result = engine.start(
    { name: 'order' },
    {
      sagaId,
      at: NOW,
      random: 0.5,
      input: orderInput('o-1'),
    },
  );
  if (result.state === null) throw new Error(result.rejection.message);
  return { state: result.state, effects: result.effects };
}

type Effects = TransitionResult['effects'];

describe('DecisionSession: the sagas whose version its write checks', () => {
  let session: DecisionSession;
  let sensitive: SensitiveData;

  beforeEach(() => {
    const gate = new CommandGate(resilienceConfig(resilienceEnvironmentSchema.parse({})));
    sensitive = new SensitiveData(
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
    const { inserts, updates, unchanged } = written[0]!;
    return {
      inserted: inserts.map(({ state }) => state.sagaId),
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
      inserted: [],
      updated: [],
      unchanged: [{ id: read.state.sagaId, rowVersion: 3 }],
    });
  });

  it('inserts a new saga and checks no version of it (nothing else can have moved it)', async () => {
    const state = started('00000000-0000-4000-8000-000000000002');
    session.record(state, [], 'new', null);
    expect(await flushed()).toEqual({ inserted: [state.sagaId], updated: [], unchanged: [] });
  });

  it('inserts a new saga as the events after its start left it, at row version 1', async () => {
    const { state, effects } = startedWithEffects('00000000-0000-4000-8000-000000000003');
    session.record(state, effects, 'new', null);
    const created: StoredSaga = { state, rowVersion: 1, idempotencyKey: 'new', traceContext: null };
    const [stepId] = Object.keys(state.steps);
    const { state: after } = session.apply(created, {
      type: 'reply',
      at: NOW,
      random: 0.5,
      messageId: 'm-2',
      stepId: stepId!,
      action: 'execute',
      attempt: 1,
      outcome: { status: 'success', result: {} },
    });
    expect(after).not.toEqual(state);
    const { writer, written } = recordingWriter();
    await session.flush(writer);
    // As stored: the order saga has sensitive fields, so the step's result is sealed.
    const stored = written[0]!.inserts.map((row) => sensitive.openState(row.state).steps);
    expect(stored).toEqual([after.steps]);
    expect(JSON.stringify(written[0]!.inserts[0]!.state.steps)).toContain('enc:v1:');
    expect(written[0]!.updates).toEqual([]);
    expect(session.committedSagas()).toEqual([{ ...created, state: after }]);
  });

  it('writes nothing when it touched no saga', async () => {
    const { writer, written } = recordingWriter();
    await session.flush(writer);
    expect(written).toEqual([]);
    expect(session.committedOutbox.ids).toEqual([]);
  });
});

describe("DecisionSession: commands held at the participant's cap", () => {
  let session: DecisionSession;

  beforeEach(() => {
    // One command in flight per participant: the second saga's first command is held.
    const gate = new CommandGate(
      resilienceConfig(
        resilienceEnvironmentSchema.parse({ MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT: '1' }),
      ),
    );
    const sensitive = new SensitiveData(
      registry,
      new FieldCipher(parseKeyring(`k1:${Buffer.alloc(32, 3).toString('base64')}`)),
    );
    const plan = { topics: topicNames(), timeScale: 1, lanes: 4 };
    session = new DecisionSession(engine, registry, plan, gate, NOW, sensitive);
    for (const sagaId of [
      '00000000-0000-4000-8000-000000000003',
      '00000000-0000-4000-8000-000000000004',
    ]) {
      const { state, effects } = startedWithEffects(sagaId);
      session.record(state, effects, sagaId, null);
    }
  });

  it('needs a transaction: written alone, it refuses before it writes anything', async () => {
    expect(session.writesInOneStatement).toBe(false);
    const { writer, written } = recordingWriter();
    await expect(session.flushAlone(writer)).rejects.toThrow(
      'held commands are stored in a transaction',
    );
    expect(written).toEqual([]);
  });

  it("writes the first saga's commands in its statement and holds the second's, in its transaction", async () => {
    const { writer, written } = recordingWriter();
    const held: HeldCommandRow[] = [];
    await session.flush({
      write: writer.write,
      hold: async (commands) => void held.push(...commands),
    });
    expect(written).toHaveLength(1);
    const sent = written[0]!.outbox.filter((row) => row.topic.endsWith('.commands'));
    // The order saga starts two steps at once, each with another participant.
    expect(sent.map((row) => [row.sagaId, row.topic]).sort()).toEqual([
      ['00000000-0000-4000-8000-000000000003', 'inventory.commands'],
      ['00000000-0000-4000-8000-000000000003', 'payment.commands'],
    ]);
    expect(held.map((row) => [row.sagaId, row.topic]).sort()).toEqual([
      ['00000000-0000-4000-8000-000000000004', 'inventory.commands'],
      ['00000000-0000-4000-8000-000000000004', 'payment.commands'],
    ]);
  });
});
