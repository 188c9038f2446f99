import { defineSaga } from '../definition/define-saga.js';
import { commandsIn, effectsOf, eventTypesIn } from '../testing/effect-filters.js';
import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { linearSaga, orderInputValue } from './test-sagas.fixture.js';
import { z } from 'zod';

describe('retrying a step', () => {
  it('backs off after a retryable error and schedules a retry wakeup', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue, { startAt: 1_000 });
    saga.reply('reserve', error('db-down'));
    expect(saga.step('reserve')).toEqual({
      status: 'backing-off',
      attempt: 1,
      retryAt: 1_100,
      lastOutcome: error('db-down'),
      lastAttemptTimedOut: false,
      budgetFrom: 1,
    });
    expect(effectsOf(saga.last.effects, 'schedule-wakeup')).toEqual([
      {
        type: 'schedule-wakeup',
        wakeupId: 'saga-1:reserve:retry:1',
        at: 1_100,
        wakeup: { kind: 'retry', stepId: 'reserve', attempt: 1 },
      },
    ]);
  });

  it('sends the next attempt with the same idempotency key when the retry wakeup fires', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', error('db-down'));
    saga.fire('retry', 'reserve');
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({
        messageId: 'saga-1:reserve:execute:2',
        attempt: 2,
        idempotencyKey: 'saga-1:reserve',
      }),
    ]);
    expect(saga.step('reserve')).toEqual({
      status: 'running',
      attempt: 2,
      sentAt: 100,
      budgetFrom: 1,
    });
  });

  it('grows the delay by the backoff factor from one attempt to the next', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', error('db-down'));
    saga.fire('retry', 'reserve');
    saga.reply('reserve', error('db-down'));
    expect(saga.step('reserve')).toMatchObject({
      status: 'backing-off',
      attempt: 2,
      retryAt: 100 + 200,
    });
  });

  it('fails the step once its attempts are spent and starts compensating', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    for (let attempt = 1; attempt < 3; attempt++) {
      saga.reply('reserve', error('db-down'));
      saga.fire('retry', 'reserve');
    }
    saga.reply('reserve', error('db-down'));
    expect(saga.state).toMatchObject({
      status: 'compensating',
      cause: { type: 'step-failed', stepId: 'reserve', outcome: error('db-down') },
    });
    // Nothing acted, but the errors left the step's key open: its compensation closes it.
    expect(saga.step('reserve')).toMatchObject({ status: 'compensating', outcomeUnknown: true });
    saga.reply('reserve', success());
    expect(saga.state.status).toBe('compensated');
  });

  it('fails the step at once on an error code the policy lists as non-retryable', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', error('bad-sku'));
    expect(saga.scheduled().map((s) => s.wakeup.kind)).not.toContain('retry');
    expect(eventTypesIn(saga.last.effects)).toEqual(['saga.step-failed', 'saga.compensating']);
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({ stepId: 'reserve', action: 'compensate', outcomeUnknown: true }),
    ]);
  });

  it('fails the step at once on an error that says it is not retryable', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', error('corrupt', false));
    expect(saga.last.effects).toContainEqual(
      expect.objectContaining({
        type: 'publish-event',
        event: expect.objectContaining({ type: 'saga.step-failed' }),
      }),
    );
    expect(saga.step('reserve')).toMatchObject({ status: 'compensating', attempt: 1 });
  });

  it('never retries a business failure', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', failure('out-of-stock'));
    expect(saga.step('reserve')).toMatchObject({ status: 'failed', attempts: 1 });
    expect(saga.scheduled()).toEqual([]);
  });

  it('retries a step whose reply timed out and remembers that the attempt timed out', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.fire('reply-timeout', 'reserve');
    expect(saga.step('reserve')).toEqual({
      status: 'backing-off',
      attempt: 1,
      retryAt: 1_100,
      lastOutcome: { status: 'timeout', afterMs: 1_000 },
      lastAttemptTimedOut: true,
      budgetFrom: 1,
    });
  });

  it('marks the outcome unknown when the last attempt timed out and compensates with outcomeUnknown', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    for (let attempt = 1; attempt < 3; attempt++) {
      saga.fire('reply-timeout', 'reserve');
      saga.fire('retry', 'reserve');
    }
    saga.fire('reply-timeout', 'reserve');
    expect(saga.state).toMatchObject({
      status: 'compensating',
      cause: { type: 'step-outcome-unknown', stepId: 'reserve' },
    });
    expect(commandsIn(saga.last.effects)).toEqual([
      expect.objectContaining({
        stepId: 'reserve',
        action: 'compensate',
        commandType: 'release-items',
        outcomeUnknown: true,
        idempotencyKey: 'saga-1:reserve:compensate',
      }),
    ]);
  });

  it('draws the jitter from the random value on the event', () => {
    const jittery = defineSaga({
      name: 'jittery',
      version: 1,
      input: z.unknown(),
      initialContext: () => null,
    })
      .step({
        id: 'only',
        participant: 'p',
        command: 'c',
        kind: 'pivot',
        buildCommand: () => null,
        retry: { initialDelayMs: 1_000, jitter: 'full' },
      })
      .build();
    const retryAt = (random: number) => {
      const saga = new SagaHarness(jittery, null, { random });
      saga.reply('only', error('flaky'));
      const state = saga.step('only');
      return state.status === 'backing-off' ? state.retryAt : -1;
    };
    expect(retryAt(0.1)).toBe(retryAt(0.1));
    expect(retryAt(0.1)).not.toBe(retryAt(0.7));
    for (const random of [0, 0.3, 0.999]) {
      expect(retryAt(random)).toBeGreaterThanOrEqual(0);
      expect(retryAt(random)).toBeLessThan(1_000);
    }
  });

  it('forgets earlier timeouts when a later attempt succeeds', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.fire('reply-timeout', 'reserve');
    saga.fire('retry', 'reserve');
    saga.reply('reserve', success({ id: 'r' }));
    expect(saga.step('reserve')).toEqual({ status: 'succeeded', attempts: 2, result: { id: 'r' } });
  });
});
