import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import { MemoryStore, runnerOn, startOrderOn } from './memory-saga-store.fixture.js';
import { OperatorDecisions } from './operator-decisions.js';

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
