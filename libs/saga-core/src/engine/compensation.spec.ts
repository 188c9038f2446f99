import { commandsIn, effectsOf, eventTypesIn } from '../testing/effect-filters.js';
import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import {
  diamondSaga,
  linearSaga,
  orderInputValue,
  parallelSaga,
  pivotSaga,
} from './test-sagas.fixture.js';

const compensations = (saga: SagaHarness) =>
  commandsIn(saga.last.effects)
    .filter((command) => command.action === 'compensate')
    .map((command) => command.stepId);

describe('compensating a failed saga', () => {
  it('compensates completed steps newest first along a chain', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    saga.reply('charge', success({ id: 'p' }));
    saga.reply('ship', failure('no-courier'));
    expect(compensations(saga)).toEqual(['charge']);
    saga.reply('charge', success());
    expect(compensations(saga)).toEqual(['reserve']);
    saga.reply('reserve', success());
    expect(saga.state.status).toBe('compensated');
  });

  it('compensates completed steps in reverse dependency order when a parallel branch fails', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.reply('b', success());
    saga.reply('c', failure('refused'));
    expect(compensations(saga)).toEqual(['b']);
    expect(saga.step('a').status).toBe('succeeded');
    saga.reply('b', success());
    expect(compensations(saga)).toEqual(['a']);
  });

  it('runs independent compensations in parallel and the shared dependency after both', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    for (const step of ['a', 'b', 'c']) saga.reply(step, success());
    saga.reply('d', failure('refused'));
    expect(compensations(saga)).toEqual(['c', 'b']);
    saga.reply('c', success());
    expect(compensations(saga)).toEqual([]);
    saga.reply('b', success());
    expect(compensations(saga)).toEqual(['a']);
  });

  it('builds compensation commands from the context the results were folded into', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-7' }));
    saga.reply('charge', failure('card-declined'));
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({ commandType: 'release-items', payload: { reservationId: 'r-7' } }),
    ]);
  });

  it('skips the steps that never started', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', failure('out-of-stock'));
    expect([saga.step('charge'), saga.step('ship')]).toEqual([
      { status: 'skipped' },
      { status: 'skipped' },
    ]);
  });

  it('never compensates a step that failed', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    saga.reply('charge', failure('card-declined'));
    expect(compensations(saga)).toEqual(['reserve']);
  });

  it('waits for steps still in flight before compensating anything', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.reply('b', failure('refused'));
    expect(saga.state.status).toBe('compensating');
    expect(compensations(saga)).toEqual([]);
    expect(saga.step('c')).toMatchObject({ status: 'running' });
  });

  it('compensates a step whose success arrives while compensating', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.reply('b', failure('refused'));
    saga.reply('c', success({ late: true }));
    expect(saga.step('c')).toMatchObject({ status: 'compensating', attempt: 1 });
    expect(compensations(saga)).toEqual(['c']);
    saga.reply('c', success());
    expect(compensations(saga)).toEqual(['a']);
  });

  it('compensates a step whose error arrives while compensating, to close its key, first', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.reply('b', failure('refused'));
    saga.reply('c', error('db-down'));
    expect(saga.step('c')).toMatchObject({ status: 'compensating', outcomeUnknown: true });
    expect(compensations(saga)).toEqual(['c']);
    saga.reply('c', success());
    expect(compensations(saga)).toEqual(['a']);
  });

  it('does not compensate a step refused by its participant: the refusal is kept under its key', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.reply('b', failure('refused'));
    saga.reply('c', failure('refused too'));
    expect(saga.step('c')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(compensations(saga)).toEqual(['a']);
  });

  it('compensates with outcomeUnknown a step in flight whose reply times out while compensating', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('charge', failure('card-declined'));
    saga.fire('reply-timeout', 'reserve');
    expect(saga.step('reserve')).toMatchObject({ status: 'compensating', outcomeUnknown: true });
    expect(commandsIn(saga.last.effects)[0]).toMatchObject({
      stepId: 'reserve',
      outcomeUnknown: true,
    });
  });

  it('abandons a step backing off after an error and compensates it as unknown, to close its key', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', error('db-down'));
    saga.reply('right', failure('refused'));
    expect(saga.step('left')).toMatchObject({ status: 'compensating', outcomeUnknown: true });
    expect(effectsOf(saga.last.effects, 'cancel-wakeup')).toContainEqual({
      type: 'cancel-wakeup',
      wakeupId: 'saga-1:left:retry:1',
    });
    saga.reply('left', success());
    expect(saga.state.status).toBe('compensated');
  });

  it('compensates with outcomeUnknown a step backing off after a timeout', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.fire('reply-timeout', 'left');
    saga.reply('right', failure('refused'));
    expect(saga.step('left')).toMatchObject({ status: 'compensating', outcomeUnknown: true });
  });

  it('sends compensations without outcomeUnknown for steps that succeeded', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({ stepId: 'left', outcomeUnknown: false }),
    ]);
  });

  it('retries a compensation after an error with the same idempotency key', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    saga.reply('left', error('db-down'));
    expect(saga.step('left')).toMatchObject({ status: 'compensation-backing-off', attempt: 1 });
    saga.fire('compensation-retry', 'left');
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({
        messageId: 'saga-1:left:compensate:2',
        idempotencyKey: 'saga-1:left:compensate',
      }),
    ]);
  });

  it('retries a compensation whose reply timed out', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', success());
    saga.reply('right', failure('refused'));
    saga.fire('compensation-timeout', 'left');
    expect(saga.step('left')).toMatchObject({
      status: 'compensation-backing-off',
      lastOutcome: { status: 'timeout', afterMs: 1_000 },
    });
  });

  it('publishes saga.step-compensated and then saga.compensated with the cause', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    saga.reply('charge', failure('card-declined'));
    saga.reply('reserve', success());
    expect(effectsOf(saga.last.effects, 'publish-event').map((effect) => effect.event)).toEqual([
      expect.objectContaining({ type: 'saga.step-compensated', stepId: 'reserve' }),
      expect.objectContaining({
        type: 'saga.compensated',
        detail: {
          cause: 'step-failed',
          stepId: 'charge',
          outcome: { status: 'failure', code: 'card-declined', message: 'card-declined' },
        },
      }),
    ]);
  });

  it('cancels the deadline wakeup when compensation begins', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('charge', failure('card-declined'));
    expect(effectsOf(saga.last.effects, 'cancel-wakeup')).toContainEqual({
      type: 'cancel-wakeup',
      wakeupId: 'saga-1:deadline',
    });
  });

  it('publishes saga.step-failed and saga.compensating when a step fails', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', failure('refused'));
    expect(eventTypesIn(saga.last.effects).slice(0, 2)).toEqual([
      'saga.step-failed',
      'saga.compensating',
    ]);
  });
});
