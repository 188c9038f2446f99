import { commandsIn, eventTypesIn } from '../testing/effect-filters.js';
import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { orderInputValue, pivotSaga } from './test-sagas.fixture.js';

/** A pivot saga whose pivot has just succeeded: ship and notify are running. */
function pastPivot(): SagaHarness {
  const saga = new SagaHarness(pivotSaga, orderInputValue);
  for (const step of ['reserve', 'charge', 'confirm']) saga.reply(step, success());
  return saga;
}

describe('the pivot and the retriable steps after it', () => {
  it('marks the pivot passed when the pivot succeeds', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.reply('charge', success());
    expect(saga.state.pivotPassed).toBe(false);
    saga.reply('confirm', success());
    expect(saga.state.pivotPassed).toBe(true);
    expect(commandsIn(saga.last.effects).map((command) => command.stepId)).toEqual([
      'ship',
      'notify',
    ]);
  });

  it('compensates the steps before the pivot when the pivot fails', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.reply('charge', success());
    saga.reply('confirm', failure('rejected'));
    expect(commandsIn(saga.last.effects).map((command) => command.stepId)).toEqual([
      'charge',
      'reserve',
    ]);
  });

  it('retries a retriable step without an attempt limit, capping the delay', () => {
    const saga = pastPivot();
    for (let attempt = 1; attempt <= 10; attempt++) {
      saga.reply('ship', error('courier-down'));
      saga.fire('retry', 'ship');
    }
    expect(saga.step('ship')).toMatchObject({ status: 'running', attempt: 11 });
    saga.reply('ship', error('courier-down'));
    const state = saga.step('ship');
    expect(state.status === 'backing-off' && state.retryAt - saga.clock.now()).toBe(8_000);
  });

  it('retries a retriable step whose replies keep timing out', () => {
    const saga = pastPivot();
    for (let attempt = 1; attempt <= 5; attempt++) {
      saga.fire('reply-timeout', 'ship');
      saga.fire('retry', 'ship');
    }
    expect(saga.step('ship')).toMatchObject({ status: 'running', attempt: 6 });
  });

  it('never compensates anything once the pivot has passed', () => {
    const saga = pastPivot();
    saga.reply('ship', failure('address-invalid'));
    saga.reply('notify', success());
    expect(saga.commands().filter((command) => command.action === 'compensate')).toEqual([]);
  });

  it('treats a business failure of a retriable step as a breach and waits for steps in flight', () => {
    const saga = pastPivot();
    saga.reply('ship', failure('address-invalid'));
    expect(saga.state.status).toBe('running');
    expect(saga.step('ship')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(saga.step('notify').status).toBe('running');
  });

  it('is stuck in the forward phase once the steps in flight are done', () => {
    const saga = pastPivot();
    saga.reply('ship', failure('address-invalid'));
    saga.reply('notify', success());
    expect(saga.state).toMatchObject({
      status: 'stuck',
      phase: 'forward',
      reason: 'step ship failed after the point of no return',
    });
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.step-completed', 'saga.stuck']);
  });

  it('treats a non-retryable error of a retriable step as a breach too', () => {
    const saga = pastPivot();
    saga.reply('notify', success());
    saga.reply('ship', error('forbidden', false));
    expect(saga.state).toMatchObject({ status: 'stuck', phase: 'forward' });
  });

  it('retries the breached step with a fresh budget on resume and completes', () => {
    const saga = pastPivot();
    saga.reply('notify', success());
    saga.reply('ship', failure('address-invalid'));
    saga.resume();
    expect(saga.state.status).toBe('running');
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({ stepId: 'ship', attempt: 2, idempotencyKey: 'saga-1:ship' }),
    ]);
    saga.reply('ship', success());
    expect(saga.state.status).toBe('completed');
  });

  it('is stuck in the forward phase when the pivot outcome is unknown, without compensating', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.reply('charge', success());
    saga.fire('reply-timeout', 'confirm');
    saga.fire('retry', 'confirm');
    saga.fire('reply-timeout', 'confirm');
    expect(saga.state).toMatchObject({
      status: 'stuck',
      phase: 'forward',
      reason: 'step confirm has an unknown outcome after the point of no return',
      pivotPassed: false,
    });
    expect(saga.commands().filter((command) => command.action === 'compensate')).toEqual([]);
  });

  it('resends the pivot on resume when its outcome was unknown', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.reply('charge', success());
    saga.fire('reply-timeout', 'confirm');
    saga.fire('retry', 'confirm');
    saga.fire('reply-timeout', 'confirm');
    saga.resume();
    expect(saga.step('confirm')).toMatchObject({ status: 'running', attempt: 3, budgetFrom: 3 });
    saga.reply('confirm', success());
    expect(saga.state.pivotPassed).toBe(true);
  });
});
