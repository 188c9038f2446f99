import { commandsIn, effectsOf, eventTypesIn } from '../testing/effect-filters.js';
import { success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { diamondSaga, linearSaga, orderInputValue, pivotSaga } from './test-sagas.fixture.js';

describe('running a saga forward', () => {
  it('starts a step only when every step it depends on succeeded', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.reply('b', success());
    expect(commandsIn(saga.last.effects)).toEqual([]);
    expect(saga.step('d').status).toBe('pending');
    saga.reply('c', success());
    expect(commandsIn(saga.last.effects).map((command) => command.stepId)).toEqual(['d']);
  });

  it('starts independent steps in parallel once their common dependency succeeds', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    expect(commandsIn(saga.last.effects).map((command) => command.stepId)).toEqual(['b', 'c']);
  });

  it('folds a result into the context and keeps it on the step', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-7' }));
    expect(saga.state.context).toEqual({ ...orderInputValue, reservationId: 'r-7' });
    expect(saga.step('reserve')).toEqual({
      status: 'succeeded',
      attempts: 1,
      result: { id: 'r-7' },
    });
  });

  it('sends commands with a deterministic message id and an idempotency key per step', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    expect(saga.commands()[0]).toEqual({
      messageId: 'saga-1:reserve:execute:1',
      sagaId: 'saga-1',
      sagaType: 'linear',
      sagaVersion: 1,
      stepId: 'reserve',
      action: 'execute',
      attempt: 1,
      participant: 'inventory',
      commandType: 'reserve-items',
      idempotencyKey: 'saga-1:reserve',
      payload: { orderId: 'o-1' },
    });
  });

  it('schedules a reply timeout with each send when the step has a timeout', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue, { startAt: 500 });
    expect(saga.scheduled()).toEqual([
      {
        wakeupId: 'saga-1:reserve:reply-timeout:1',
        at: 1_500,
        wakeup: { kind: 'reply-timeout', stepId: 'reserve', attempt: 1 },
      },
    ]);
  });

  it('cancels the reply timeout when the reply arrives', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    expect(effectsOf(saga.last.effects, 'cancel-wakeup')).toEqual([
      { type: 'cancel-wakeup', wakeupId: 'saga-1:reserve:reply-timeout:1' },
    ]);
  });

  it('publishes saga.step-completed for each step that succeeds', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    expect(effectsOf(saga.last.effects, 'publish-event')[0]?.event).toMatchObject({
      type: 'saga.step-completed',
      stepId: 'reserve',
      detail: { attempts: 1 },
    });
  });

  it('completes when every step succeeded and publishes saga.completed', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    for (const step of ['a', 'b', 'c', 'd']) saga.reply(step, success());
    expect(saga.state.status).toBe('completed');
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.step-completed', 'saga.completed']);
  });

  it('cancels the deadline wakeup when it completes', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    for (const step of ['reserve', 'charge', 'confirm', 'ship', 'notify'])
      saga.reply(step, success());
    expect(saga.state.status).toBe('completed');
    expect(effectsOf(saga.last.effects, 'cancel-wakeup')).toContainEqual({
      type: 'cancel-wakeup',
      wakeupId: 'saga-1:deadline',
    });
    expect(saga.scheduled()).toEqual([]);
  });

  it('counts each applied transition in the revision and stamps the update time', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.clock.advance(250);
    saga.reply('a', success());
    expect(saga.state).toMatchObject({ revision: 2, startedAt: 0, updatedAt: 250 });
  });
});
