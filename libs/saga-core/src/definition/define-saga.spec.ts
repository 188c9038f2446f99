import { z } from 'zod';
import { defineSaga, type DefineSagaOptions } from './define-saga.js';
import { DefinitionError } from './definition-error.js';

const base: DefineSagaOptions<unknown, null> = {
  name: 'order',
  version: 1,
  input: z.unknown(),
  initialContext: () => null,
};
const undo = { command: 'undo', buildCommand: () => null };
const compensatable = (id: string, dependsOn: string[] = []) => ({
  id,
  participant: 'worker',
  command: `do-${id}`,
  buildCommand: () => null,
  compensation: undo,
  dependsOn: dependsOn as never[],
});

/** Builds a saga from untyped step options (as a JS caller could) and returns the error it throws. */
function buildError(
  steps: object[],
  options: Partial<DefineSagaOptions<unknown, null>> = {},
): DefinitionError {
  let builder = defineSaga({ ...base, ...options });
  for (const step of steps) builder = builder.step(step as never);
  try {
    builder.build();
  } catch (error) {
    if (error instanceof DefinitionError) return error;
    throw error;
  }
  throw new Error('expected build() to throw');
}

describe('defineSaga', () => {
  it('builds a frozen definition with defaults filled in', () => {
    const definition = defineSaga(base).step(compensatable('a')).build();
    const step = definition.steps[0];
    expect(Object.isFrozen(definition)).toBe(true);
    expect(Object.isFrozen(step)).toBe(true);
    expect(step).toMatchObject({
      kind: 'compensatable',
      dependsOn: [],
      whenBreakerOpen: 'wait',
      retry: {
        maxAttempts: 3,
        initialDelayMs: 100,
        backoffFactor: 2,
        maxDelayMs: 30_000,
        jitter: 'full',
      },
      compensation: { command: 'undo', retry: { maxAttempts: 5 } },
    });
  });

  it('keeps the step options as given, including breaker policy and timeouts', () => {
    const definition = defineSaga(base)
      .step({ ...compensatable('a'), timeoutMs: 500, whenBreakerOpen: 'fail-fast' })
      .build();
    expect(definition.steps[0]).toMatchObject({
      timeoutMs: 500,
      whenBreakerOpen: 'fail-fast',
      compensation: { timeoutMs: 500 },
    });
  });

  it('gives a compensation its own timeout when it has one', () => {
    const definition = defineSaga(base)
      .step({ ...compensatable('a'), timeoutMs: 500, compensation: { ...undo, timeoutMs: 2_000 } })
      .build();
    expect(definition.steps[0]?.compensation?.timeoutMs).toBe(2_000);
  });

  it('forces retriable steps to retry without limit', () => {
    const definition = defineSaga(base)
      .step({ id: 'p', participant: 'w', command: 'c', kind: 'pivot', buildCommand: () => null })
      .step({
        id: 'r',
        participant: 'w',
        command: 'c',
        kind: 'retriable',
        dependsOn: ['p'],
        buildCommand: () => null,
      })
      .build();
    expect(definition.steps[1]?.retry.maxAttempts).toBe(Infinity);
  });

  it('leaves the builder it was called on unchanged, so builders can be shared', () => {
    const shared = defineSaga(base).step(compensatable('a'));
    const one = shared.step(compensatable('b')).build();
    const other = shared.build();
    expect([one.steps.length, other.steps.length]).toEqual([2, 1]);
  });

  it('lets a step depend only on steps declared before it, checked by the compiler', () => {
    const pivot = defineSaga(base).step({
      id: 'p',
      participant: 'w',
      command: 'c',
      kind: 'pivot',
      buildCommand: () => null,
    });
    const retriable = {
      participant: 'w',
      command: 'c',
      kind: 'retriable',
      buildCommand: () => null,
    } as const;
    expect(pivot.step({ ...retriable, id: 'r', dependsOn: ['p'] }).build().steps).toHaveLength(2);
    // @ts-expect-error: 'later' is not a step declared before this one.
    expect(() => pivot.step({ ...retriable, id: 'r', dependsOn: ['later'] }).build()).toThrow(
      DefinitionError,
    );
  });

  it('keeps the sensitive field paths, frozen, and refuses a malformed one', () => {
    const definition = defineSaga({ ...base, sensitive: ['payment.cardToken', 'cards.*.pan'] })
      .step(compensatable('a'))
      .build();
    expect(definition.sensitive).toEqual(['payment.cardToken', 'cards.*.pan']);
    expect(Object.isFrozen(definition.sensitive)).toBe(true);
    expect(defineSaga(base).step(compensatable('a')).build().sensitive).toEqual([]);
    expect(buildError([compensatable('a')], { sensitive: ['payment..token'] }).message).toBe(
      'saga "order", sensitive: "payment..token" is not a dotted path of keys or "*"',
    );
  });

  it('refuses duplicate step ids', () => {
    const error = buildError([compensatable('a'), compensatable('a')]);
    expect(error.message).toBe('saga "order", step "a", id: another step already has this id');
    expect(error).toMatchObject({ saga: 'order', stepId: 'a', field: 'id' });
  });

  it('refuses a dependency on an unknown step', () => {
    expect(buildError([compensatable('a', ['ghost'])]).message).toBe(
      'saga "order", step "a", dependsOn: depends on unknown step "ghost"',
    );
  });

  it('refuses a dependency cycle and names it', () => {
    const error = buildError([
      compensatable('a', ['c']),
      compensatable('b', ['a']),
      compensatable('c', ['b']),
    ]);
    expect(error.message).toBe(
      'saga "order", step "a", dependsOn: dependency cycle a -> c -> b -> a',
    );
  });

  it('refuses a step that depends on itself', () => {
    expect(buildError([compensatable('a', ['a'])]).message).toContain('dependency cycle a -> a');
  });

  it('refuses a step that lists a dependency twice', () => {
    expect(buildError([compensatable('a'), compensatable('b', ['a', 'a'])]).message).toContain(
      'lists "a" twice',
    );
  });

  it('refuses a compensatable step without compensation', () => {
    const error = buildError([
      { id: 'a', participant: 'w', command: 'c', buildCommand: () => null },
    ]);
    expect(error).toMatchObject({ stepId: 'a', field: 'compensation' });
  });

  it('refuses a compensation on a pivot or retriable step', () => {
    const error = buildError([{ ...compensatable('a'), kind: 'pivot' }]);
    expect(error.message).toContain('a pivot step is never compensated');
  });

  it('refuses a compensation retry policy on a step without compensation', () => {
    const error = buildError([
      {
        id: 'a',
        participant: 'w',
        command: 'c',
        kind: 'pivot',
        buildCommand: () => null,
        compensationRetry: {},
      },
    ]);
    expect(error.field).toBe('compensationRetry');
  });

  it('refuses more than one pivot and names the second', () => {
    const pivot = (id: string, dependsOn: string[] = []) => ({
      id,
      participant: 'w',
      command: 'c',
      kind: 'pivot',
      buildCommand: () => null,
      dependsOn,
    });
    const error = buildError([pivot('p1'), pivot('p2', ['p1'])]);
    expect(error.message).toBe(
      'saga "order", step "p2", kind: a saga has at most one pivot, found "p1", "p2"',
    );
  });

  it('refuses a compensatable step that could run beside the pivot', () => {
    const error = buildError([
      { id: 'p', participant: 'w', command: 'c', kind: 'pivot', buildCommand: () => null },
      compensatable('side'),
    ]);
    expect(error).toMatchObject({ stepId: 'side', field: 'dependsOn' });
    expect(error.message).toContain('could run after or beside the pivot "p"');
  });

  it('refuses a compensatable step that runs after the pivot', () => {
    const error = buildError([
      { id: 'p', participant: 'w', command: 'c', kind: 'pivot', buildCommand: () => null },
      compensatable('after', ['p']),
    ]);
    expect(error.stepId).toBe('after');
  });

  it('refuses a retriable step that could run before the pivot', () => {
    const error = buildError([
      compensatable('a'),
      { id: 'r', participant: 'w', command: 'c', kind: 'retriable', buildCommand: () => null },
      {
        id: 'p',
        participant: 'w',
        command: 'c',
        kind: 'pivot',
        buildCommand: () => null,
        dependsOn: ['a', 'r'],
      },
    ]);
    expect(error).toMatchObject({ stepId: 'r', field: 'dependsOn' });
    expect(error.message).toContain('could run before the pivot "p"');
  });

  it('refuses a retriable step in a saga without a pivot', () => {
    const error = buildError([
      { id: 'r', participant: 'w', command: 'c', kind: 'retriable', buildCommand: () => null },
    ]);
    expect(error.message).toContain('a retriable step needs a pivot');
  });

  it('refuses a retry limit on a retriable step', () => {
    const error = buildError([
      { id: 'p', participant: 'w', command: 'c', kind: 'pivot', buildCommand: () => null },
      {
        id: 'r',
        participant: 'w',
        command: 'c',
        kind: 'retriable',
        dependsOn: ['p'],
        buildCommand: () => null,
        retry: { maxAttempts: 5 },
      },
    ]);
    expect(error).toMatchObject({ stepId: 'r', field: 'retry.maxAttempts' });
  });

  it.each([
    [{ maxAttempts: 0 }, 'retry.maxAttempts'],
    [{ maxAttempts: 1.5 }, 'retry.maxAttempts'],
    [{ initialDelayMs: -1 }, 'retry.initialDelayMs'],
    [{ backoffFactor: 0.5 }, 'retry.backoffFactor'],
    [{ initialDelayMs: 500, maxDelayMs: 100 }, 'retry.maxDelayMs'],
    [{ jitter: 'lots' }, 'retry.jitter'],
    [{ nonRetryableErrorCodes: [''] }, 'retry.nonRetryableErrorCodes'],
  ])('refuses the retry policy %j and names %s', (retry, field) => {
    expect(buildError([{ ...compensatable('a'), retry }])).toMatchObject({ stepId: 'a', field });
  });

  it('refuses a bad compensation retry policy and names the field', () => {
    const error = buildError([{ ...compensatable('a'), compensationRetry: { backoffFactor: 0 } }]);
    expect(error.field).toBe('compensationRetry.backoffFactor');
  });

  it.each([
    [{ timeoutMs: 0 }, 'timeoutMs'],
    [{ timeoutMs: Number.NaN }, 'timeoutMs'],
    [{ compensation: { ...undo, timeoutMs: -5 } }, 'compensation.timeoutMs'],
    [{ compensation: { ...undo, command: '' } }, 'compensation.command'],
    [{ id: 'has:colon' }, 'id'],
    [{ participant: 'Bad Name' }, 'participant'],
    [{ command: '' }, 'command'],
    [{ kind: 'optional' }, 'kind'],
  ])('refuses the step option %j and names %s', (override, field) => {
    expect(buildError([{ ...compensatable('a'), ...override }]).field).toBe(field);
  });

  it.each([
    [{ name: 'bad name' }, 'name'],
    [{ version: 0 }, 'version'],
    [{ deadlineMs: 0 }, 'deadlineMs'],
  ])('refuses the saga option %j and names %s', (override, field) => {
    expect(buildError([compensatable('a')], override as never).field).toBe(field);
  });

  it('refuses a saga without steps', () => {
    expect(buildError([]).field).toBe('steps');
  });
});
