import { commandsIn, eventTypesIn } from '../testing/effect-filters.js';
import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { diamondSaga, orderInputValue, parallelSaga } from './test-sagas.fixture.js';

/** A diamond whose last step failed, so that b and c compensate in parallel. */
function failedDiamond(): SagaHarness {
  const saga = new SagaHarness(diamondSaga, orderInputValue);
  for (const step of ['a', 'b', 'c']) saga.reply(step, success());
  saga.reply('d', failure('refused'));
  return saga;
}

describe('a compensation that runs out of attempts', () => {
  it('treats a business failure of a compensation as final', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    saga.reply('left', failure('cannot-undo'));
    expect(saga.step('left')).toEqual({
      status: 'compensation-exhausted',
      attempts: 1,
      lastOutcome: failure('cannot-undo'),
      outcomeUnknown: false,
    });
  });

  it('gives up on a compensation once its own policy is spent', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    saga.reply('left', error('db-down'));
    saga.fire('compensation-retry', 'left');
    saga.reply('left', error('db-down'));
    expect(saga.step('left')).toMatchObject({ status: 'compensation-exhausted', attempts: 2 });
  });

  it('starts no new compensation once one is exhausted, and waits for those in flight', () => {
    const saga = failedDiamond();
    saga.reply('b', error('db-down'));
    expect(saga.state.status).toBe('compensating');
    saga.reply('c', success());
    expect(commandsIn(saga.last.effects)).toEqual([]);
    expect(saga.step('a').status).toBe('succeeded');
  });

  it('is stuck in the compensation phase once nothing is in flight, and says so loudly', () => {
    const saga = failedDiamond();
    saga.reply('b', error('db-down'));
    saga.reply('c', success());
    expect(saga.state).toMatchObject({
      status: 'stuck',
      phase: 'compensation',
      cause: { type: 'step-failed', stepId: 'd' },
      reason: 'compensation of b ran out of attempts',
    });
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.step-compensated', 'saga.stuck']);
  });

  it('resumes with a fresh budget that continues the attempt numbers', () => {
    const saga = failedDiamond();
    saga.reply('b', error('db-down'));
    saga.reply('c', success());
    saga.resume('alice');
    expect(saga.state.status).toBe('compensating');
    expect(saga.step('b')).toEqual({
      status: 'compensating',
      attempt: 2,
      sentAt: 0,
      outcomeUnknown: false,
      budgetFrom: 2,
    });
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({ stepId: 'b', action: 'compensate', attempt: 2 }),
    ]);
  });

  it('goes on to the remaining compensations after a resumed one succeeds', () => {
    const saga = failedDiamond();
    saga.reply('b', error('db-down'));
    saga.reply('c', success());
    saga.resume();
    saga.reply('b', success());
    expect(commandsIn(saga.last.effects).map((command) => command.stepId)).toEqual(['a']);
    saga.reply('a', success());
    expect(saga.state).toMatchObject({ status: 'compensated', cause: { type: 'step-failed' } });
  });

  it('is stuck again when a resumed compensation runs out again', () => {
    const saga = failedDiamond();
    saga.reply('b', error('db-down'));
    saga.reply('c', success());
    saga.resume();
    saga.reply('b', error('db-down'));
    expect(saga.state).toMatchObject({ status: 'stuck', phase: 'compensation' });
  });

  it('records who resumed it in the audit entry', () => {
    const saga = failedDiamond();
    saga.reply('b', error('db-down'));
    saga.reply('c', success());
    saga.resume('alice');
    expect(saga.last.effects.at(-1)).toMatchObject({
      type: 'append-audit',
      entry: {
        eventType: 'resume',
        actor: 'alice',
        fromStatus: 'stuck',
        toStatus: 'compensating',
        applied: true,
      },
    });
  });
});
