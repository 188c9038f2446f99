import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { diamondSaga, linearSaga, orderInputValue, parallelSaga } from './test-sagas.fixture.js';

/** Applies `act` and checks that it changed nothing and produced only an audit entry whose detail matches. */
function expectFenced(saga: SagaHarness, act: () => void, detail: RegExp): void {
  const before = saga.state;
  act();
  expect(saga.state).toBe(before);
  expect(saga.last.effects).toEqual([
    {
      type: 'append-audit',
      entry: expect.objectContaining({ applied: false, detail: expect.stringMatching(detail) }),
    },
  ]);
}

describe('fencing replies', () => {
  it('ignores a reply to an earlier attempt', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', error('db-down'));
    saga.fire('retry', 'reserve');
    expectFenced(
      saga,
      () => saga.reply('reserve', success({ id: 'r' }), { attempt: 1 }),
      /waits for attempt 2/,
    );
  });

  it('ignores a reply to a later attempt than the one sent', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    expectFenced(
      saga,
      () => saga.reply('reserve', success(), { attempt: 3 }),
      /waits for attempt 1/,
    );
  });

  it('ignores a duplicate of a reply already applied', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    expectFenced(
      saga,
      () => saga.reply('reserve', success({ id: 'r' }), { attempt: 1 }),
      /duplicate/,
    );
  });

  it('ignores a reply for the other action', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    expectFenced(
      saga,
      () => saga.reply('reserve', success(), { action: 'compensate', attempt: 1 }),
      /waits for no such reply/,
    );
  });

  it('ignores a reply for a step that has not started', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    expectFenced(saga, () => saga.reply('ship', success(), { attempt: 1 }), /pending/);
  });

  it('ignores a reply for a step the saga does not have', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    expectFenced(
      saga,
      () =>
        saga.apply({
          type: 'reply',
          at: 0,
          random: 0,
          messageId: 'm',
          stepId: 'ghost',
          action: 'execute',
          attempt: 1,
          outcome: success(),
        }),
      /no step ghost/,
    );
  });

  it('ignores a duplicate compensation reply', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    for (const step of ['a', 'b', 'c']) saga.reply(step, success());
    saga.reply('d', failure('refused'));
    saga.reply('c', success());
    expectFenced(
      saga,
      () => saga.reply('c', success(), { action: 'compensate', attempt: 1 }),
      /duplicate or late reply to compensate c attempt 1; the step is compensated/,
    );
  });

  it('ignores every reply once the saga is terminal', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', failure('refused'));
    expectFenced(saga, () => saga.reply('a', success(), { attempt: 1 }), /the saga is compensated/);
  });

  it('records the step and attempt of a fenced reply in the audit entry', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success(), { attempt: 4 });
    expect(saga.last.effects[0]).toMatchObject({
      entry: {
        eventType: 'reply',
        stepId: 'reserve',
        attempt: 4,
        fromStatus: 'running',
        toStatus: 'running',
      },
    });
  });
});

describe('fencing wakeups', () => {
  it('ignores a reply timeout once the reply has arrived', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    expectFenced(
      saga,
      () =>
        saga.apply({
          type: 'wakeup',
          at: 1_000,
          random: 0,
          wakeupId: 'saga-1:reserve:reply-timeout:1',
          kind: 'reply-timeout',
          stepId: 'reserve',
          attempt: 1,
        }),
      /stale reply-timeout of reserve attempt 1; the step is succeeded/,
    );
  });

  it('ignores a retry wakeup for an attempt that has moved on', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', error('db-down'));
    saga.fire('retry', 'reserve');
    expectFenced(
      saga,
      () =>
        saga.apply({
          type: 'wakeup',
          at: 200,
          random: 0,
          wakeupId: 'saga-1:reserve:retry:1',
          kind: 'retry',
          stepId: 'reserve',
          attempt: 1,
        }),
      /stale retry/,
    );
  });

  it('ignores a retry wakeup of a step abandoned when compensation began', () => {
    const saga = new SagaHarness(parallelSaga, orderInputValue);
    saga.reply('left', error('db-down'));
    saga.reply('right', success());
    saga.cancel();
    expectFenced(
      saga,
      () =>
        saga.apply({
          type: 'wakeup',
          at: 100,
          random: 0,
          wakeupId: 'saga-1:left:retry:1',
          kind: 'retry',
          stepId: 'left',
          attempt: 1,
        }),
      /stale retry of left attempt 1; the step is compensating/,
    );
  });

  it('ignores a wakeup for a step the saga does not have', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    expectFenced(
      saga,
      () =>
        saga.apply({
          type: 'wakeup',
          at: 0,
          random: 0,
          wakeupId: 'x',
          kind: 'retry',
          stepId: 'ghost',
          attempt: 1,
        }),
      /no step ghost/,
    );
  });

  it('ignores every wakeup once the saga is terminal', () => {
    const saga = new SagaHarness(diamondSaga, orderInputValue);
    saga.reply('a', failure('refused'));
    expectFenced(
      saga,
      () => saga.apply({ type: 'wakeup', at: 0, random: 0, wakeupId: 'x', kind: 'deadline' }),
      /the saga is compensated/,
    );
  });
});
