import { commandsIn, effectsOf } from '../testing/effect-filters.js';
import { stepWakeupId } from './message-ids.js';
import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { diamondSaga, linearSaga, orderInputValue, parallelSaga } from './test-sagas.fixture.js';

describe('an operator retrying one step', () => {
  it('sends the next attempt of a step awaiting its reply, and fences the earlier one off', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    const result = saga.retryStep('reserve', 'alice', 'inventory lost the command');
    expect(result.rejection).toBeUndefined();
    expect(commandsIn(result.effects)).toEqual([
      expect.objectContaining({ stepId: 'reserve', action: 'execute', attempt: 2 }),
    ]);
    expect(saga.step('reserve')).toMatchObject({ status: 'running', attempt: 2, budgetFrom: 2 });
    expect(saga.last.effects.at(-1)).toMatchObject({
      type: 'append-audit',
      entry: {
        eventType: 'retry-step',
        stepId: 'reserve',
        actor: 'alice',
        applied: true,
        detail: expect.stringContaining('retry of reserve by alice: inventory lost the command'),
      },
    });
    // The first attempt's reply and its timeout no longer count.
    saga.reply('reserve', success({ id: 'r-old' }), { attempt: 1 });
    expect(saga.step('reserve').status).toBe('running');
    saga.reply('reserve', success({ id: 'r-1' }), { attempt: 2 });
    expect(saga.step('reserve').status).toBe('succeeded');
  });

  it('sends a step backing off at once, without waiting for its back-off', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', error('db-down'));
    expect(saga.step('reserve').status).toBe('backing-off');
    const result = saga.retryStep('reserve');
    expect(commandsIn(result.effects)).toEqual([
      expect.objectContaining({ stepId: 'reserve', attempt: 2 }),
    ]);
    // The back-off's timer is cancelled, and the new attempt's reply timeout armed.
    expect(effectsOf(result.effects, 'cancel-wakeup')).toEqual([
      { type: 'cancel-wakeup', wakeupId: stepWakeupId(saga.state.sagaId, 'reserve', 'retry', 1) },
    ]);
    expect(saga.scheduled().map((timer) => timer.wakeup)).toEqual([
      { kind: 'reply-timeout', stepId: 'reserve', attempt: 2 },
    ]);
  });

  it('sends a compensation in progress again while the saga compensates', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    expect(saga.step('left')).toMatchObject({ status: 'compensating', attempt: 1 });
    const result = saga.retryStep('left', 'bob');
    expect(commandsIn(result.effects)).toEqual([
      expect.objectContaining({ stepId: 'left', action: 'compensate', attempt: 2 }),
    ]);
    saga.reply('left', success(), { attempt: 2 });
    expect(saga.state.status).toBe('compensated');
  });

  it('resumes a stuck saga when the step named is the halted one', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    saga.reply('left', failure('cannot-undo'));
    expect(saga.state.status).toBe('stuck');
    const result = saga.retryStep('left', 'carol', 'fixed by hand');
    expect(result.rejection).toBeUndefined();
    expect(saga.state.status).toBe('compensating');
    expect(commandsIn(result.effects)).toEqual([
      expect.objectContaining({ stepId: 'left', action: 'compensate', attempt: 2 }),
    ]);
  });

  it.each([
    ['a step not started', (saga: SagaHarness) => saga, 'charge', 'step charge is pending'],
    [
      'a step that succeeded',
      (saga: SagaHarness) => (saga.reply('reserve', success({ id: 'r' })), saga),
      'reserve',
      'step reserve is succeeded',
    ],
    ['a step the saga lacks', (saga: SagaHarness) => saga, 'nope', 'the saga has no step nope'],
  ])('refuses %s, and changes nothing', (_, prepare, stepId, message) => {
    const saga = prepare(new SagaHarness(linearSaga, orderInputValue));
    const before = saga.state;
    const result = saga.retryStep(stepId);
    expect(result.rejection).toEqual({
      code: 'illegal-in-state',
      message: expect.stringContaining(message),
    });
    expect(saga.state).toBe(before);
    expect(commandsIn(result.effects)).toEqual([]);
  });

  it('sends again a forward step a compensating saga awaits, then refuses a final saga', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.cancel();
    const result = saga.retryStep('a');
    expect(result.rejection).toBeUndefined();
    expect(commandsIn(result.effects)).toEqual([
      expect.objectContaining({ stepId: 'a', action: 'execute', attempt: 2 }),
    ]);
    expect(saga.state.status).toBe('compensating');
    saga.reply('a', failure('refused'));
    expect(saga.state.status).toBe('compensated');
    expect(saga.retryStep('a').rejection?.message).toContain('final');
  });

  it('refuses, on a stuck saga, a step that did not halt it', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    saga.reply('left', failure('cannot-undo'));
    expect(saga.retryStep('right').rejection?.message).toContain('stuck on another step');
  });
});

describe('operator reasons in the audit', () => {
  it('records the reason of a resume and of a cancel', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    saga.reply('left', failure('cannot-undo'));
    saga.resume('dave', 'the refund service is back');
    expect(saga.last.effects.at(-1)).toMatchObject({
      entry: { detail: expect.stringContaining('resumed by dave: the refund service is back') },
    });
    const other = new SagaHarness(linearSaga, orderInputValue);
    other.cancel('erin', 'duplicate order');
    expect(other.last.effects.at(-1)).toMatchObject({
      entry: { detail: expect.stringContaining('cancelled by erin: duplicate order') },
    });
  });
});
