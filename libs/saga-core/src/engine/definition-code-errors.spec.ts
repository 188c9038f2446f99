import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';
import { commandsIn } from '../testing/effect-filters.js';
import { failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';

const boom = (): never => {
  throw new Error('boom');
};
const input = z.unknown();
const initialContext = () => ({});
const undo = { command: 'undo', buildCommand: () => null };

describe('code in a definition that throws', () => {
  it('fails a step whose command cannot be built, as a non-retryable error', () => {
    const saga = defineSaga({ name: 'bad-build', version: 1, input, initialContext })
      .step({ id: 'a', participant: 'p', command: 'c', buildCommand: boom, compensation: undo })
      .build();
    const harness = new SagaHarness(saga, null);
    expect(harness.step('a')).toEqual({
      status: 'failed',
      attempts: 0,
      outcome: { status: 'error', code: 'build-command-failed', message: 'boom', retryable: false },
    });
    expect(harness.state.status).toBe('compensated');
  });

  it('fails a step whose command is no JSON a message can carry, and exhausts such a compensation', () => {
    const saga = defineSaga({ name: 'bad-payload', version: 1, input, initialContext })
      .step({
        id: 'a',
        participant: 'p',
        command: 'c',
        buildCommand: () => null,
        // A lone surrogate (a string cut in the middle of an emoji): Postgres cannot store it.
        compensation: { command: 'u', buildCommand: () => ({ note: '\uD83D' }) },
      })
      .step({
        id: 'b',
        participant: 'p',
        command: 'c',
        dependsOn: ['a'],
        buildCommand: () => ({ amount: 10n }) as never,
        compensation: undo,
      })
      .build();
    const harness = new SagaHarness(saga, null);
    harness.reply('a', success());
    expect(harness.step('b')).toMatchObject({
      status: 'failed',
      outcome: {
        code: 'build-command-failed',
        message: expect.stringMatching(/^the payload is not JSON a message can carry at amount: /),
      },
    });
    expect(harness.step('a')).toMatchObject({
      status: 'compensation-exhausted',
      lastOutcome: {
        code: 'build-command-failed',
        message: expect.stringMatching(/^the payload is not JSON a message can carry at note: /),
      },
    });
    expect(harness.state).toMatchObject({ status: 'stuck', phase: 'compensation' });
  });

  it('compensates a step whose result cannot be folded into the context', () => {
    const saga = defineSaga({ name: 'bad-fold', version: 1, input, initialContext })
      .step({
        id: 'a',
        participant: 'p',
        command: 'c',
        buildCommand: () => null,
        onSuccess: boom,
        compensation: undo,
      })
      .build();
    const harness = new SagaHarness(saga, null);
    harness.reply('a', success({ id: 1 }));
    expect(harness.state).toMatchObject({
      status: 'compensating',
      cause: { type: 'step-failed', stepId: 'a', outcome: { code: 'on-success-failed' } },
    });
    expect(commandsIn(harness.last.effects)).toEqual([
      expect.objectContaining({ stepId: 'a', action: 'compensate' }),
    ]);
  });

  it('compensates a step whose fold gives what is not JSON a saga can keep (a cut emoji, a BigInt)', () => {
    const folding = (fold: (ctx: object, result: unknown) => unknown) =>
      defineSaga({ name: 'unkept-fold', version: 1, input, initialContext })
        .step({
          id: 'a',
          participant: 'p',
          command: 'c',
          buildCommand: () => null,
          onSuccess: fold as never,
          compensation: undo,
        })
        .step({
          id: 'b',
          participant: 'p',
          command: 'c',
          dependsOn: ['a'],
          buildCommand: () => null,
          compensation: undo,
        })
        .build();
    for (const fold of [
      (ctx: object, result: unknown) => ({
        ...ctx,
        label: (result as { name: string }).name.slice(0, 1),
      }),
      (ctx: object) => ({ ...ctx, amount: 10n }),
    ]) {
      const harness = new SagaHarness(folding(fold), null);
      harness.reply('a', success({ name: '\u{1F600}x' }));

      expect(harness.state).toMatchObject({
        status: 'compensating',
        context: {},
        cause: {
          type: 'step-failed',
          stepId: 'a',
          outcome: {
            code: 'on-success-failed',
            message: expect.stringMatching(
              /^the context is not JSON a message can carry at (label|amount): /,
            ),
          },
        },
      });
      expect(commandsIn(harness.last.effects).map((c) => c.stepId)).toEqual(['a']);
    }
  });

  it('refuses a start whose initial context is not JSON a saga can keep', () => {
    const saga = defineSaga({
      name: 'unkept-start',
      version: 1,
      input,
      initialContext: () => ({ amount: 10n }) as never,
    })
      .step({
        id: 'a',
        participant: 'p',
        command: 'c',
        buildCommand: () => null,
        compensation: undo,
      })
      .build();
    expect(() => new SagaHarness(saga, null)).toThrow(
      /the initial context is not JSON a message can carry at amount/,
    );
  });

  it('halts as stuck when the pivot result cannot be folded, since the pivot happened', () => {
    const saga = defineSaga({ name: 'bad-pivot-fold', version: 1, input, initialContext })
      .step({
        id: 'a',
        participant: 'p',
        command: 'c',
        kind: 'pivot',
        buildCommand: () => null,
        onSuccess: boom,
      })
      .build();
    const harness = new SagaHarness(saga, null);
    harness.reply('a', success());
    expect(harness.state).toMatchObject({ status: 'stuck', phase: 'forward', pivotPassed: true });
  });

  it('halts as stuck when a retriable command cannot be built', () => {
    const saga = defineSaga({ name: 'bad-retriable', version: 1, input, initialContext })
      .step({ id: 'a', participant: 'p', command: 'c', kind: 'pivot', buildCommand: () => null })
      .step({
        id: 'b',
        participant: 'p',
        command: 'c',
        kind: 'retriable',
        dependsOn: ['a'],
        buildCommand: boom,
      })
      .build();
    const harness = new SagaHarness(saga, null);
    harness.reply('a', success());
    expect(harness.state).toMatchObject({ status: 'stuck', phase: 'forward' });
  });

  it('is stuck when a compensation command cannot be built', () => {
    const saga = defineSaga({ name: 'bad-undo', version: 1, input, initialContext })
      .step({
        id: 'a',
        participant: 'p',
        command: 'c',
        buildCommand: () => null,
        compensation: { command: 'u', buildCommand: boom },
      })
      .step({
        id: 'b',
        participant: 'p',
        command: 'c',
        dependsOn: ['a'],
        buildCommand: () => null,
        compensation: undo,
      })
      .build();
    const harness = new SagaHarness(saga, null);
    harness.reply('a', success());
    harness.reply('b', failure('refused'));
    expect(harness.step('a')).toMatchObject({ status: 'compensation-exhausted', attempts: 0 });
    expect(harness.state).toMatchObject({ status: 'stuck', phase: 'compensation' });
  });

  it('keeps a late success whose fold fails and compensates it all the same', () => {
    let calls = 0;
    const saga = defineSaga({ name: 'late-fold', version: 1, input, initialContext })
      .step({
        id: 'a',
        participant: 'p',
        command: 'c',
        buildCommand: () => null,
        compensation: undo,
      })
      .step({
        id: 'b',
        participant: 'p',
        command: 'c',
        buildCommand: () => null,
        onSuccess: (ctx) => (calls++ === 0 ? boom() : ctx),
        compensation: undo,
      })
      .build();
    const harness = new SagaHarness(saga, null);
    harness.reply('a', failure('refused'));
    harness.reply('b', success());
    expect(harness.step('b')).toMatchObject({ status: 'compensating' });
  });
});
