import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { success } from '../testing/outcomes.js';
import { failsFastWhenUnavailable, PARTICIPANT_UNAVAILABLE } from './apply-command-refused.js';

const input = z.object({ orderId: z.string() });
const undo = { command: 'undo', buildCommand: () => ({}) };

/** hold (waits while its participant is unavailable) → quick (fails fast) → last (retriable, fail-fast asked). */
const breakerSaga = defineSaga({
  name: 'breaker',
  version: 1,
  input,
  initialContext: (value: z.infer<typeof input>) => ({ ...value }),
})
  .step({
    id: 'hold',
    participant: 'stock',
    command: 'reserve',
    buildCommand: () => ({}),
    compensation: undo,
    timeoutMs: 1_000,
  })
  .step({
    id: 'quick',
    participant: 'payment',
    command: 'authorize',
    dependsOn: ['hold'],
    buildCommand: () => ({}),
    compensation: undo,
    whenBreakerOpen: 'fail-fast',
    timeoutMs: 1_000,
  })
  .build();

/** hold → capture, the pivot, failing fast while its participant is unavailable. */
const pivotSaga = defineSaga({
  name: 'fail-fast-pivot',
  version: 1,
  input,
  initialContext: (value: z.infer<typeof input>) => ({ ...value }),
})
  .step({
    id: 'hold',
    participant: 'stock',
    command: 'reserve',
    buildCommand: () => ({}),
    compensation: undo,
  })
  .step({
    id: 'capture',
    participant: 'payment',
    command: 'capture',
    kind: 'pivot',
    dependsOn: ['hold'],
    buildCommand: () => ({}),
    whenBreakerOpen: 'fail-fast',
    timeoutMs: 1_000,
  })
  .build();

function refuse(saga: SagaHarness, stepId: string, attempt = 1) {
  return saga.apply({
    type: 'command-refused',
    at: saga.clock.now(),
    random: 0.5,
    stepId,
    attempt,
    reason: 'circuit breaker open',
  });
}

describe('a command refused because its participant is unavailable', () => {
  it('fails a fail-fast step with PARTICIPANT_UNAVAILABLE, not retried, and the saga compensates', () => {
    const saga = new SagaHarness(breakerSaga, { orderId: 'o-1' });
    saga.reply('hold', success());

    const result = refuse(saga, 'quick');

    expect(saga.state.status).toBe('compensating');
    expect(saga.step('quick')).toMatchObject({
      status: 'failed',
      outcome: { status: 'failure', code: PARTICIPANT_UNAVAILABLE },
    });
    expect(saga.commands().at(-1)).toMatchObject({ stepId: 'hold', action: 'compensate' });
    expect(saga.scheduled().map((s) => s.wakeup)).not.toContainEqual(
      expect.objectContaining({ kind: 'reply-timeout', stepId: 'quick' }),
    );
    expect(result.effects.at(-1)).toMatchObject({
      type: 'append-audit',
      entry: { eventType: 'command-refused', stepId: 'quick', attempt: 1, applied: true },
    });
  });

  it('on a retry, fails the step as an error so that it is compensated: an earlier attempt went out', () => {
    const saga = new SagaHarness(breakerSaga, { orderId: 'o-1' });
    saga.reply('hold', success());
    saga.fire('reply-timeout', 'quick'); // attempt 1 may have acted
    saga.fire('retry', 'quick');

    refuse(saga, 'quick', 2);

    expect(saga.step('quick')).toMatchObject({ status: 'compensating', outcomeUnknown: true });
    expect(saga.state).toMatchObject({
      status: 'compensating',
      cause: { outcome: { status: 'error', code: PARTICIPANT_UNAVAILABLE, retryable: false } },
    });
  });

  it('fails the pivot fast on its first attempt only: a retry waits, as an earlier attempt may have acted', () => {
    const first = new SagaHarness(pivotSaga, { orderId: 'o-1' });
    first.reply('hold', success());
    refuse(first, 'capture');
    expect(first.state.status).toBe('compensating');

    const retried = new SagaHarness(pivotSaga, { orderId: 'o-2' });
    retried.reply('hold', success());
    retried.fire('reply-timeout', 'capture'); // attempt 1 may have captured the money
    retried.fire('retry', 'capture');
    const result = refuse(retried, 'capture', 2);

    expect(failsFastWhenUnavailable(pivotSaga.stepById.get('capture')!, 'execute', 2)).toBe(false);
    expect(retried.state.status).toBe('running');
    expect(retried.step('capture')).toMatchObject({ status: 'running', attempt: 2 });
    expect(retried.commands().filter((c) => c.action === 'compensate')).toEqual([]);
    expect(result.effects.at(-1)).toMatchObject({
      type: 'append-audit',
      entry: { applied: false, detail: expect.stringContaining('waits for its participant') },
    });
  });

  it('is ignored by a step that waits for its participant', () => {
    const saga = new SagaHarness(breakerSaga, { orderId: 'o-1' });

    const result = refuse(saga, 'hold');

    expect(saga.state.status).toBe('running');
    expect(saga.step('hold')).toMatchObject({ status: 'running', attempt: 1 });
    expect(result.effects.at(-1)).toMatchObject({
      type: 'append-audit',
      entry: { applied: false, detail: expect.stringContaining('waits for its participant') },
    });
  });

  it('is fenced like a reply: a refusal of another attempt changes nothing', () => {
    const saga = new SagaHarness(breakerSaga, { orderId: 'o-1' });
    saga.reply('hold', success());

    refuse(saga, 'quick', 2);

    expect(saga.state.status).toBe('running');
    expect(saga.step('quick')).toMatchObject({ status: 'running', attempt: 1 });
  });
});
