import { jest } from '@jest/globals';
import { z } from 'zod';
import { createSagaRegistry, defineSaga } from '#saga-core';
import { Logger } from '@nestjs/common';
import { SagaVersionNotRunHereError } from '../application/saga-errors.js';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import {
  lateDefinitions,
  MemoryStore,
  runnerOn,
  startOrderOn,
} from './memory-saga-store.fixture.js';
import { OperatorDecisions } from './operator-decisions.js';
import { StartDecisions } from './start-decisions.js';

describe('OperatorDecisions: rows that can never be sent', () => {
  let store: MemoryStore;

  beforeEach(() => {
    store = new MemoryStore();
  });

  it('sets a row aside and its saga stuck; one whose state does not open is set aside all the same', async () => {
    const unopenable = await startOrderOn(store, 'o-1');
    const fine = await startOrderOn(store, 'o-2');
    store.sealAway(unopenable);
    const rows = [unopenable, fine].map((sagaId, n) => ({
      id: `${n + 1}`,
      sagaId,
      topic: 'inventory.commands',
      reason: 'TOPIC_AUTHORIZATION_FAILED',
    }));
    const error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      await new OperatorDecisions(runnerOn(store)).setAside(rows);

      expect(store.setAsideRows).toEqual(rows);
      expect(store.rows.get(fine)!.state.status).toBe('stuck');
      expect(store.rows.get(unopenable)!.state.status).toBe('running');
      expect(error.mock.calls.map(([line]) => line)).toEqual([
        `saga ${unopenable} has an outbox row set aside but is not marked stuck: its state does not open (UnsealError: no key gone to open a sealed value)`,
      ]);
    } finally {
      error.mockRestore();
    }
  });
});

describe('OperatorDecisions: a saga of a version the instance has not read yet', () => {
  let store: MemoryStore;
  let sagaId: string;

  beforeEach(async () => {
    store = new MemoryStore();
    sagaId = await startOrderOn(store, 'o-1');
  });

  it('acts on it once it has read the definitions again, whatever the case of its id', async () => {
    // Registered on another instance a moment ago: stored, not read here yet.
    const late = lateDefinitions();
    late.store();
    const operators = new OperatorDecisions(runnerOn(store, late));

    const answer = await operators.cancel(sagaId.toUpperCase(), 'ops', 'customer asked');

    expect(late.reads()).toBe(1);
    expect(answer).toEqual({ sagaId, status: store.rows.get(sagaId)!.state.status });
    expect(answer.status).toBe('compensating');
  });

  it('answers that it cannot act yet, and writes nothing, when the version is still unknown', async () => {
    const late = lateDefinitions();
    const before = store.rows.get(sagaId)!;

    await expect(
      new OperatorDecisions(runnerOn(store, late)).cancel(sagaId, 'ops'),
    ).rejects.toBeInstanceOf(SagaVersionNotRunHereError);

    expect(late.reads()).toBe(1);
    expect(store.rows.get(sagaId)).toBe(before);
  });

  it('takes a bulk chunk again once it has read the definitions, instead of refusing its saga', async () => {
    const late = lateDefinitions();
    late.store();
    let takes = 0;
    const refusals: ReadonlyMap<string, string>[] = [];

    const taken = await new OperatorDecisions(runnerOn(store, late)).actInBulk(
      async () => {
        takes++;
        return { sagaIds: [sagaId], action: { type: 'cancel', actor: 'ops' } };
      },
      async (_sql, refused) => void refusals.push(refused),
    );

    expect(taken).toBe(1);
    expect(takes).toBe(2);
    expect(refusals).toEqual([new Map()]);
    expect(store.rows.get(sagaId)!.state.status).toBe('compensating');
  });
});

describe('OperatorDecisions: an action whose command the open breaker refuses', () => {
  /** One step that fails fast while its participant's breaker is open. */
  const chargeSaga = defineSaga({
    name: 'charge',
    version: 1,
    input: z.object({ orderId: z.string() }),
    initialContext: (input) => input,
  })
    .step({
      id: 'charge',
      participant: 'payment',
      command: 'payment.charge',
      buildCommand: (ctx) => ({ orderId: ctx.orderId }),
      compensation: { command: 'payment.refund', buildCommand: (ctx) => ctx },
      whenBreakerOpen: 'fail-fast',
    })
    .build();

  it('answers with the status the refusal moved the saga to', async () => {
    const store = new MemoryStore();
    const runner = runnerOn(store, {
      sagas: createSagaRegistry([chargeSaga]),
      resilience: { BREAKER_VOLUME_THRESHOLD: '1' },
    });
    const [started] = await new StartDecisions(runner, {
      admission: new SagaAdmission(1_000),
      repliesFirst: new RepliesFirst(100, 1),
      waitForRepliesMs: 5_000,
      maxWaitingBytes: 1024 * 1024,
      maxContextBytes: 64 * 1024,
    }).startMany([{ sagaType: 'charge', idempotencyKey: 'c-1', input: { orderId: 'c-1' } }]);
    const { sagaId } = started as { sagaId: string };
    runner.parts.gate.recordOutcome('payment', false);
    await new Promise((resolve) => setImmediate(resolve)); // opossum opens on its failed call
    expect(runner.parts.gate.status(['payment'])[0]!.breaker.state).toBe('open');

    const answer = await new OperatorDecisions(runner).retryStep(sagaId, 'charge', 'ops');

    expect(store.rows.get(sagaId)!.state.status).not.toBe('running');
    expect(answer).toEqual({ sagaId, status: store.rows.get(sagaId)!.state.status });
  });
});
