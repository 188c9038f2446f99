import {
  diamondSaga,
  linearSaga,
  orderInputValue,
  parallelSaga,
  pivotSaga,
} from '../engine/test-sagas.fixture.js';
import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { isTerminal, type SagaState } from './saga-state.js';

/** Runs scenarios that between them reach every saga status and every step status, and collects every state. */
function everyState(): SagaState[] {
  const states: SagaState[] = [];
  const track = (saga: SagaHarness, act: (saga: SagaHarness) => void) => {
    states.push(saga.state);
    const apply = saga.apply.bind(saga);
    saga.apply = (event) => {
      const result = apply(event);
      states.push(result.state);
      return result;
    };
    act(saga);
  };
  track(new SagaHarness(linearSaga, orderInputValue), (saga) => {
    saga.reply('reserve', error('db-down'));
    saga.fire('retry', 'reserve');
    saga.reply('reserve', success({ id: 'r' }));
    saga.reply('charge', success({ id: 'p' }));
    saga.reply('ship', success());
  });
  track(new SagaHarness(parallelSaga, orderInputValue), (saga) => {
    saga.fire('reply-timeout', 'left');
    saga.reply('right', success());
    saga.cancel('ops', 'test');
    saga.reply('left', error('db-down'));
    saga.fire('compensation-retry', 'left');
    saga.reply('left', error('db-down'));
    saga.reply('right', success());
    saga.resume();
    saga.reply('left', success());
  });
  track(new SagaHarness(diamondSaga, orderInputValue), (saga) => {
    saga.reply('a', success());
    saga.reply('b', failure('refused'));
    saga.reply('c', success());
  });
  track(new SagaHarness(pivotSaga, orderInputValue), (saga) => {
    for (const step of ['reserve', 'charge', 'confirm', 'notify']) saga.reply(step, success());
    saga.fire('deadline');
    saga.reply('ship', failure('address-invalid'));
  });
  track(new SagaHarness(pivotSaga, orderInputValue), (saga) => {
    saga.reply('reserve', success());
    saga.reply('charge', success());
    saga.fire('reply-timeout', 'confirm');
    saga.fire('retry', 'confirm');
    saga.fire('reply-timeout', 'confirm');
  });
  return states;
}

describe('saga states', () => {
  const states = everyState();

  it('reach every saga status and every step status in the scenarios below', () => {
    const sagaStatuses = new Set(
      states.map((s) => (s.status === 'stuck' ? `stuck-${s.phase}` : s.status)),
    );
    const stepStatuses = new Set(
      states.flatMap((s) => Object.values(s.steps).map((step) => step.status)),
    );
    expect([...sagaStatuses].sort()).toEqual(
      [
        'compensated',
        'compensating',
        'completed',
        'running',
        'stuck-compensation',
        'stuck-forward',
      ].sort(),
    );
    expect([...stepStatuses].sort()).toEqual(
      [
        'backing-off',
        'compensated',
        'compensating',
        'compensation-backing-off',
        'compensation-exhausted',
        'failed',
        'outcome-unknown',
        'pending',
        'running',
        'skipped',
        'succeeded',
      ].sort(),
    );
  });

  it('survive a JSON round trip unchanged, every one of them', () => {
    for (const state of states) expect(JSON.parse(JSON.stringify(state))).toStrictEqual(state);
  });

  it('tell completed and compensated apart as the only terminal statuses', () => {
    const terminal = new Set(states.filter(isTerminal).map((state) => state.status));
    expect([...terminal].sort()).toEqual(['compensated', 'completed']);
  });
});
