import { effectsOf, eventTypesIn } from '../testing/effect-filters.js';
import { success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { orderInputValue, pivotSaga } from './test-sagas.fixture.js';

/** The charge's command set aside: it can never be sent. */
function chargeUndeliverable(saga: SagaHarness): void {
  saga.apply({
    type: 'undeliverable',
    at: saga.clock.now(),
    random: 0,
    topic: 'payments.commands',
    reason: 'MESSAGE_TOO_LARGE',
  });
}

/** A saga stuck before its pivot: the charge's command could never be sent. */
function stuckBeforeThePivot(): SagaHarness {
  const saga = new SagaHarness(pivotSaga, orderInputValue);
  saga.reply('reserve', success());
  chargeUndeliverable(saga);
  return saga;
}

describe('the saga deadline', () => {
  it('compensates what completed when it passes before the pivot is sent', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.fire('deadline');
    expect(saga.clock.now()).toBe(60_000);
    expect(saga.state).toMatchObject({
      status: 'compensating',
      deadlinePassed: true,
      cause: { type: 'deadline', at: 60_000 },
    });
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.deadline-passed', 'saga.compensating']);
  });

  it('is recorded and the saga goes on when it passes after the pivot', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    for (const step of ['reserve', 'charge', 'confirm']) saga.reply(step, success());
    saga.fire('deadline');
    expect(saga.state).toMatchObject({ status: 'running', deadlinePassed: true });
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.deadline-passed']);
    expect(saga.last.effects.at(-1)).toMatchObject({
      entry: {
        applied: true,
        detail: 'the deadline passed after the point of no return; going on',
      },
    });
  });

  it('is recorded when it passes while the pivot is in flight, and the saga waits for the pivot', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.reply('charge', success());
    saga.fire('deadline');
    expect(saga.state.status).toBe('running');
    saga.reply('confirm', success());
    expect(saga.state.pivotPassed).toBe(true);
  });

  it('is recorded on a saga stuck in the forward phase, which stays stuck', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.reply('charge', success());
    saga.fire('reply-timeout', 'confirm');
    saga.fire('retry', 'confirm');
    saga.fire('reply-timeout', 'confirm');
    saga.fire('deadline');
    expect(saga.state).toMatchObject({ status: 'stuck', deadlinePassed: true });
  });

  it('compensates, once resumed, a saga stuck before its pivot was sent whose deadline passed meanwhile', () => {
    const saga = stuckBeforeThePivot();
    saga.fire('deadline');
    expect(saga.state).toMatchObject({ status: 'stuck', deadlinePassed: true });

    saga.resume();
    saga.reply('charge', success());

    expect(saga.state).toMatchObject({
      status: 'compensating',
      cause: { type: 'deadline', at: 60_000 },
    });
    expect(saga.commands().filter((command) => command.stepId === 'confirm')).toEqual([]);
  });

  it('ignores a repeat of the deadline wakeup', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    for (const step of ['reserve', 'charge', 'confirm']) saga.reply(step, success());
    const wakeup = {
      type: 'wakeup',
      at: 60_000,
      random: 0,
      wakeupId: 'saga-1:deadline',
      kind: 'deadline',
    } as const;
    saga.apply(wakeup);
    const before = saga.state;
    saga.apply(wakeup);
    expect(saga.state).toBe(before);
    expect(effectsOf(saga.last.effects, 'publish-event')).toEqual([]);
  });

  it('ignores a deadline wakeup that fires after compensation began', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.cancel();
    const before = saga.state;
    saga.apply({
      type: 'wakeup',
      at: 60_000,
      random: 0,
      wakeupId: 'saga-1:deadline',
      kind: 'deadline',
    });
    expect(saga.state).toBe(before);
    expect(saga.last.effects).toHaveLength(1);
  });

  it('holds when another event is decided after it, before its timer fires (a reply first after an outage)', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.clock.advanceTo(60_001);
    // The charge's success, decided past the deadline while its timer has not fired yet.
    saga.reply('charge', success());

    expect(saga.commands().filter((command) => command.stepId === 'confirm')).toEqual([]);
    expect(saga.state).toMatchObject({
      status: 'compensating',
      deadlinePassed: true,
      cause: { type: 'deadline', at: 60_000 },
    });
    expect(effectsOf(saga.last.effects, 'cancel-wakeup')).toEqual([
      { type: 'cancel-wakeup', wakeupId: 'saga-1:deadline' },
    ]);
  });

  it('holds for a saga stuck before its pivot resumed after it, before its timer fired', () => {
    const saga = stuckBeforeThePivot();
    saga.clock.advanceTo(60_000);
    saga.resume();

    expect(saga.state).toMatchObject({ status: 'compensating', cause: { type: 'deadline' } });
  });

  it('leaves its timer to fire after a command set aside past it (that decision goes ahead of earlier messages: only saga.stuck may)', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.clock.advanceTo(60_001);
    chargeUndeliverable(saga);

    expect(saga.state).toMatchObject({ status: 'stuck' });
    expect(saga.state.deadlinePassed).toBeFalsy();
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.stuck']);
    expect(effectsOf(saga.last.effects, 'cancel-wakeup')).toEqual([]);
  });

  it('leaves a cancel decided after it, before its timer fired, to be a cancel', () => {
    const saga = new SagaHarness(pivotSaga, orderInputValue);
    saga.reply('reserve', success());
    saga.clock.advanceTo(60_001);
    saga.cancel();

    expect(saga.last.rejection).toBeUndefined();
    expect(saga.state).toMatchObject({ status: 'compensating', cause: { type: 'cancelled' } });
  });
});
