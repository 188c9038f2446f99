import { eventTypesIn } from '../testing/effect-filters.js';
import { failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { diamondSaga, orderInputValue, pivotSaga } from './test-sagas.fixture.js';

describe('cancelling a saga', () => {
  it('compensates what completed when cancelled before the pivot', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.cancel('alice', 'customer changed their mind');
    expect(saga.state).toMatchObject({
      status: 'compensating',
      cause: { type: 'cancelled', actor: 'alice', reason: 'customer changed their mind' },
    });
    expect(saga.last.rejection).toBeUndefined();
  });

  it('awaits the steps in flight, then compensates them too', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.cancel();
    saga.reply('b', success());
    saga.reply('c', success());
    expect(
      saga
        .commands()
        .filter((c) => c.action === 'compensate')
        .map((c) => c.stepId),
    ).toEqual(['c', 'b']);
  });

  it('ends compensated with the cancellation as its cause', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.cancel('bob');
    saga.reply('a', success());
    saga.reply('a', success());
    expect(saga.state).toMatchObject({
      status: 'compensated',
      cause: { type: 'cancelled', actor: 'bob' },
    });
  });

  it('refuses a cancel once the pivot has been sent, and changes nothing', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.reply('charge', success());
    const before = saga.state;
    saga.cancel();
    expect(saga.last.rejection).toEqual({
      code: 'illegal-in-state',
      message: 'the pivot step confirm has been sent: the saga can only go forward',
    });
    expect(saga.state).toBe(before);
  });

  it('refuses a cancel after the pivot succeeded', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    for (const step of ['reserve', 'charge', 'confirm']) saga.reply(step, success());
    expect(saga.cancel().rejection?.code).toBe('illegal-in-state');
  });

  it('refuses a cancel while compensating', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', success());
    saga.reply('b', failure('refused'));
    expect(saga.cancel().rejection).toEqual({
      code: 'illegal-in-state',
      message: 'the saga is already compensating',
    });
  });

  it('refuses a cancel on a completed saga', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    for (const step of ['a', 'b', 'c', 'd']) saga.reply(step, success());
    expect(saga.cancel().rejection).toEqual({
      code: 'illegal-in-state',
      message: 'the saga is completed: it is final',
    });
  });

  it('refuses a cancel on a stuck saga and points to resume', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    for (const step of ['reserve', 'charge', 'confirm', 'notify']) saga.reply(step, success());
    saga.reply('ship', failure('address-invalid'));
    expect(saga.cancel().rejection?.message).toBe('the saga is stuck: resume it instead');
  });

  it('writes a refused cancel to the audit log and nothing else', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', failure('refused'));
    const result = saga.cancel('carol');
    expect(result.effects).toEqual([
      {
        type: 'append-audit',
        entry: expect.objectContaining({
          eventType: 'cancel',
          actor: 'carol',
          applied: false,
          fromStatus: 'compensated',
          toStatus: 'compensated',
        }),
      },
    ]);
  });

  it('publishes saga.compensating with the cancellation as its detail', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.cancel('dave');
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.compensating']);
  });
});

describe('resuming a saga that is not stuck', () => {
  it('is refused', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    expect(saga.resume().rejection).toEqual({
      code: 'illegal-in-state',
      message: 'the saga is running: only a stuck saga can be resumed',
    });
  });
});
