import type { SagaState } from '#saga-core';
import { awaitingParticipants } from './saga-rows.js';

const state = (steps: Record<string, unknown>) =>
  ({ sagaId: 's-1', sagaType: 'order', sagaVersion: 1, steps }) as unknown as SagaState;

const participants: Record<string, string> = {
  reserve: 'inventory',
  authorize: 'payment',
  notify: 'notification',
  ship: 'shipping',
};
const participantOf = (_state: SagaState, stepId: string) => participants[stepId];

describe('awaitingParticipants', () => {
  it('names the participant of each step running or compensating, one entry per step', () => {
    const awaiting = awaitingParticipants(
      state({
        reserve: { status: 'compensating', attempt: 1 },
        authorize: { status: 'running', attempt: 2 },
        notify: { status: 'backing-off', attempt: 1 },
        ship: { status: 'pending' },
      }),
      participantOf,
    );
    expect(awaiting.sort()).toEqual(['inventory', 'payment']);
  });

  it('counts two steps of one participant twice, and leaves out a step of no known participant', () => {
    const twice: Record<string, string> = { ...participants, authorize: 'inventory' };
    expect(
      awaitingParticipants(
        state({
          reserve: { status: 'running', attempt: 1 },
          authorize: { status: 'running', attempt: 1 },
          gone: { status: 'running', attempt: 1 },
        }),
        (_s, stepId) => twice[stepId],
      ),
    ).toEqual(['inventory', 'inventory']);
  });

  it('is empty for a saga with no step in flight', () => {
    expect(
      awaitingParticipants(
        state({ reserve: { status: 'succeeded', attempts: 1 }, ship: { status: 'compensated' } }),
        participantOf,
      ),
    ).toEqual([]);
  });
});
