import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { RepliesFirst } from '../resilience/replies-first.js';
import { SagaAdmission } from '../resilience/saga-admission.js';
import { MemoryStore, orderInput, runnerOn } from './memory-saga-store.fixture.js';
import { OperatorDecisions } from './operator-decisions.js';
import { StartDecisions } from './start-decisions.js';

describe('OperatorDecisions: rows that can never be sent', () => {
  let store: MemoryStore;

  /** Starts an order saga; its id. */
  const started = async (key: string): Promise<string> => {
    const starts = new StartDecisions(runnerOn(store), {
      admission: new SagaAdmission(1_000),
      repliesFirst: new RepliesFirst(100, 1),
      waitForRepliesMs: 5_000,
      maxWaitingBytes: 64 * 1024 * 1024,
      maxContextBytes: 64 * 1024,
    });
    const [answer] = await starts.startMany([
      { sagaType: 'order', idempotencyKey: key, input: orderInput(key) },
    ]);
    if (answer === undefined || answer instanceof Error) throw new Error('no saga started');
    return answer.sagaId;
  };

  beforeEach(() => {
    store = new MemoryStore();
  });

  it('sets a row aside and its saga stuck; one whose state does not open is set aside all the same', async () => {
    const unopenable = await started('o-1');
    const fine = await started('o-2');
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
