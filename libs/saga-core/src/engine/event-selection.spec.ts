// Which lifecycle events a saga publishes: by default its outcomes only (8 messages for a
// 3-step saga: start, 3 commands, 3 replies, 1 event), every step when its definition asks.
import { OUTCOME_EVENT_TYPES } from '#contracts';
import { defineSaga, type DefineSagaOptions } from '../definition/define-saga.js';
import { fail, neverReply, succeed } from '../testing/participant-behaviour.js';
import { runSaga } from '../testing/run-saga.js';
import { linearSaga, orderInputValue, type OrderContext } from './test-sagas.fixture.js';

type Options = DefineSagaOptions<{ orderId: string; amount: number }, OrderContext>;

/** The linear saga of the fixtures (its checked steps taken as they are), with `options`. */
function linearWith(options: Partial<Options>) {
  return defineSaga({
    name: linearSaga.name,
    version: linearSaga.version,
    input: linearSaga.input,
    initialContext: linearSaga.initialContext,
    ...options,
  } as Options)
    .step(linearSaga.steps[0]! as never)
    .step(linearSaga.steps[1]! as never)
    .step(linearSaga.steps[2]! as never)
    .build();
}

const participants = {
  inventory: { 'reserve-items': succeed({ id: 'r-1' }) },
  payment: { 'charge-card': succeed({ id: 'p-1' }) },
};

describe('the events a saga publishes', () => {
  it('are its outcome alone by default: a completed 3-step saga sends one event', () => {
    const run = runSaga(linearWith({}), orderInputValue, { participants });
    expect(run.finalState.status).toBe('completed');
    expect(run.commands).toHaveLength(3);
    expect(run.events.map((event) => event.type)).toEqual(['saga.completed']);
  });

  it('say a compensated saga ended so, and nothing about its steps', () => {
    const run = runSaga(linearWith({}), orderInputValue, {
      participants: { ...participants, payment: { 'charge-card': fail('declined') } },
    });
    expect(run.finalState.status).toBe('compensated');
    expect(run.events.map((event) => event.type)).toEqual(['saga.compensated']);
  });

  it('say when a saga needs an operator', () => {
    const run = runSaga(linearWith({}), orderInputValue, {
      participants: {
        inventory: { 'reserve-items': succeed({ id: 'r-1' }), 'release-items': neverReply() },
        payment: { 'charge-card': fail('declined') },
      },
    });
    expect(run.finalState.status).toBe('stuck');
    expect(run.events.map((event) => event.type)).toEqual(['saga.stuck']);
    expect(run.events.every((event) => OUTCOME_EVENT_TYPES.includes(event.type))).toBe(true);
  });

  it('are every step when the definition asks for them', () => {
    const run = runSaga(linearWith({ events: 'every-step' }), orderInputValue, { participants });
    expect(run.events.map((event) => event.type)).toEqual([
      'saga.started',
      'saga.step-completed',
      'saga.step-completed',
      'saga.step-completed',
      'saga.completed',
    ]);
    expect(new Set(run.events.map((event) => event.eventId)).size).toBe(5);
  });

  it('are a choice the definition is checked for', () => {
    expect(() => linearWith({ events: 'some' as 'outcomes' })).toThrow(
      /events.*must be one of outcomes, every-step/,
    );
  });
});
