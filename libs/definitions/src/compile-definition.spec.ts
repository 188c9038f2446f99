import { runSaga, succeed, fail } from '#saga-core/testing';
import { compileDefinition, type DefinitionProblem } from './index.js';

/** A small valid document: reserve (compensatable), charge (pivot), ship (retriable). */
function base(): Record<string, unknown> {
  return {
    name: 'checkout',
    version: 2,
    input: {
      type: 'object',
      required: ['orderId', 'amount'],
      properties: { orderId: { type: 'string' }, amount: { type: 'number' } },
    },
    retryPolicies: { quick: { maxAttempts: 2, initialDelayMs: 10 } },
    steps: [
      {
        id: 'reserve',
        participant: 'stock',
        command: 'stock.reserve',
        payload: '{"orderId": context.orderId}',
        result: { type: 'object', required: ['holdId'] },
        onSuccess: { holdId: 'result.holdId' },
        compensation: {
          command: 'stock.release',
          payload: '{"holdId": has(context.holdId) ? context.holdId : null}',
        },
        retry: 'quick',
      },
      {
        id: 'charge',
        participant: 'bank',
        command: 'bank.charge',
        kind: 'pivot',
        dependsOn: ['reserve'],
        payload: '{"orderId": context.orderId, "cents": int(context.amount * 100.0)}',
      },
      {
        id: 'ship',
        participant: 'post',
        command: 'post.ship',
        kind: 'retriable',
        dependsOn: ['charge'],
        payload: '{"orderId": context.orderId, "hold": context.holdId}',
      },
    ],
  };
}

type Step = Record<string, unknown>;
const withStep = (index: number, change: (step: Step) => Step) => {
  const document = base();
  const steps = [...(document['steps'] as Step[])];
  steps[index] = change({ ...steps[index]! });
  return { ...document, steps };
};

function problemsOf(document: unknown): readonly DefinitionProblem[] {
  const compiled = compileDefinition(document);
  return compiled.ok ? [] : compiled.problems;
}

describe('compileDefinition', () => {
  it('compiles a document into a definition the engine runs: payloads, results, compensation', () => {
    const compiled = compileDefinition(base());
    if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
    const completed = runSaga(
      compiled.definition,
      { orderId: 'o-1', amount: 12.5 },
      {
        participants: {
          stock: { 'stock.reserve': succeed({ holdId: 'h-1' }) },
          bank: { 'bank.charge': succeed(null) },
          post: { 'post.ship': succeed(null) },
        },
      },
    );
    expect(completed.finalState.status).toBe('completed');
    expect(completed.commands.map(({ command }) => command.payload)).toEqual([
      { orderId: 'o-1' },
      { orderId: 'o-1', cents: 1250 },
      { orderId: 'o-1', hold: 'h-1' },
    ]);
    const compensated = runSaga(
      compiled.definition,
      { orderId: 'o-2', amount: 1 },
      {
        participants: {
          stock: { 'stock.reserve': succeed({ holdId: 'h-2' }), 'stock.release': succeed(null) },
          bank: { 'bank.charge': fail('DECLINED') },
        },
      },
    );
    expect(compensated.finalState.status).toBe('compensated');
    expect(compensated.commands.at(-1)?.command).toMatchObject({
      commandType: 'stock.release',
      payload: { holdId: 'h-2' },
    });
  });

  it('fails a step whose result does not fit, saying which field', () => {
    const compiled = compileDefinition(base());
    if (!compiled.ok) throw new Error('expected a definition');
    const run = runSaga(
      compiled.definition,
      { orderId: 'o-3', amount: 1 },
      {
        participants: {
          stock: { 'stock.reserve': succeed({ other: 1 }), 'stock.release': succeed(null) },
        },
      },
    );
    expect(run.finalState.status).toBe('compensated');
    expect(JSON.stringify(run.finalState)).toContain(
      "result.holdId: must have required property 'holdId'",
    );
  });

  it.each([
    ['a missing name', { ...base(), name: undefined }, 'name'],
    ['a bad version', { ...base(), version: 0 }, 'version'],
    ['an unknown top-level field', { ...base(), colour: 'red' }, 'colour'],
    ['an unknown field in a step', withStep(1, (s) => ({ ...s, timeout: 5 })), 'steps.1.timeout'],
    [
      'matches(), whose regular expression may explode',
      withStep(1, (s) => ({ ...s, payload: 'context.orderId.matches("^(a+)+$")' })),
      'steps.1.payload',
    ],
    [
      'a macro inside a macro',
      withStep(1, (s) => ({
        ...s,
        payload: 'context.items.map(i, context.items.filter(j, j == i))',
      })),
      'steps.1.payload',
    ],
    [
      'an input pattern beyond linear-time matching (a backreference)',
      {
        ...base(),
        input: { type: 'object', properties: { a: { type: 'string', pattern: '^(a+)\\1$' } } },
      },
      'input',
    ],
    [
      'uniqueItems over objects, whose check compares every pair',
      {
        ...base(),
        input: {
          type: 'object',
          properties: { a: { type: 'array', uniqueItems: true, items: { type: 'object' } } },
        },
      },
      'input',
    ],
    ['a description with U+0000', { ...base(), description: 'a\u0000b' }, 'description'],
    [
      'a command with a lone surrogate',
      withStep(1, (s) => ({ ...s, command: 'bank.\ud800' })),
      'steps.1.command',
    ],
    [
      'an expression with U+0000',
      withStep(1, (s) => ({ ...s, payload: '"a\u0000b"' })),
      'steps.1.payload',
    ],
    [
      'a compensation command with U+0000',
      withStep(0, (s) => ({
        ...s,
        compensation: { ...(s['compensation'] as object), command: 'stock.\u0000' },
      })),
      'steps.0.compensation.command',
    ],
    [
      'an input schema with a lone surrogate',
      {
        ...base(),
        input: { type: 'object', properties: { a: { type: 'string', description: '\udc00' } } },
      },
      'input.properties.a.description',
    ],
    [
      'a result schema with U+0000 in a key',
      withStep(0, (s) => ({ ...s, result: { type: 'object', properties: { 'a\u0000': {} } } })),
      'steps.0.result.properties.a\u0000',
    ],
    [
      'a reserved field name in onSuccess',
      withStep(0, (s) => ({ ...s, onSuccess: { constructor: 'result' } })),
      'steps.0.onSuccess.constructor',
    ],
    [
      'a bad compensation policy',
      withStep(0, (s) => ({
        ...s,
        compensation: {
          ...(s['compensation'] as object),
          retry: { maxAttempts: 2, initialDelayMs: 900, maxDelayMs: 10 },
        },
      })),
      'steps.0.compensation.retry.maxDelayMs',
    ],
    [
      'a bad named policy',
      { ...base(), retryPolicies: { quick: { initialDelayMs: 900, maxDelayMs: 10 } } },
      'retryPolicies.quick.maxDelayMs',
    ],
    ['no steps', { ...base(), steps: [] }, 'steps'],
    [
      'an input schema that is not an object',
      { ...base(), input: { type: 'string' } },
      'input.type',
    ],
    ['an invalid input schema', { ...base(), input: { type: 'object', propertys: {} } }, 'input'],
    [
      'a dependsOn cycle',
      withStep(0, (s) => ({ ...s, dependsOn: ['charge'] })),
      'steps.0.dependsOn',
    ],
    [
      'an unknown step in dependsOn',
      withStep(2, (s) => ({ ...s, dependsOn: ['pack'] })),
      'steps.2.dependsOn',
    ],
    [
      'a bad expression',
      withStep(0, (s) => ({ ...s, payload: '{"orderId": context.' })),
      'steps.0.payload',
    ],
    [
      'an unknown variable',
      withStep(1, (s) => ({ ...s, payload: 'input.orderId' })),
      'steps.1.payload',
    ],
    [
      'result read in a payload',
      withStep(1, (s) => ({ ...s, payload: 'result' })),
      'steps.1.payload',
    ],
    ['a type error', withStep(1, (s) => ({ ...s, payload: '1 + "a"' })), 'steps.1.payload'],
    [
      'a bad fold',
      withStep(0, (s) => ({ ...s, onSuccess: { holdId: 'result.(' } })),
      'steps.0.onSuccess.holdId',
    ],
    [
      'a compensation on a pivot',
      withStep(1, (s) => ({ ...s, compensation: { command: 'bank.refund', payload: '{}' } })),
      'steps.1.compensation',
    ],
    [
      'a compensatable step without compensation',
      withStep(0, (s) => ({ ...s, compensation: undefined })),
      'steps.0.compensation',
    ],
    [
      'a missing participant',
      withStep(0, (s) => ({ ...s, participant: undefined })),
      'steps.0.participant',
    ],
    [
      'a participant name with capitals',
      withStep(0, (s) => ({ ...s, participant: 'Stock' })),
      'steps.0.participant',
    ],
    ['an unknown retry policy', withStep(0, (s) => ({ ...s, retry: 'slow' })), 'steps.0.retry'],
    [
      'a bad result schema',
      withStep(0, (s) => ({ ...s, result: { type: 'objekt' } })),
      'steps.0.result',
    ],
    ['two pivots', withStep(2, (s) => ({ ...s, kind: 'pivot' })), 'steps.2.kind'],
    ['a duplicate step id', withStep(2, (s) => ({ ...s, id: 'charge' })), 'steps.2.id'],
    [
      'an expression too long',
      withStep(1, (s) => ({ ...s, payload: `"${'x'.repeat(5_000)}"` })),
      'steps.1.payload',
    ],
    [
      'too many steps',
      { ...base(), steps: Array.from({ length: 101 }, () => (base()['steps'] as Step[])[0]) },
      'steps',
    ],
  ])('refuses %s, naming the field', (_what, document, path) => {
    const problems = problemsOf(document);
    expect(problems.map((problem) => problem.path)).toContain(path);
    expect(problems.every((problem) => problem.message.length > 0)).toBe(true);
  });

  it('takes durations of weeks (a 30-day deadline, a 14-day reply timeout, a day between retries), and refuses one past 10 years', () => {
    const DAY = 86_400_000;
    const long = {
      ...withStep(0, (s) => ({
        ...s,
        timeoutMs: 14 * DAY,
        retry: { initialDelayMs: DAY, maxDelayMs: 7 * DAY },
      })),
      deadlineMs: 30 * DAY,
    };
    expect(problemsOf(long)).toEqual([]);
    expect(problemsOf({ ...long, deadlineMs: 3_700 * DAY }).map((p) => p.path)).toEqual([
      'deadlineMs',
    ]);
  });

  it('reports every problem of a document at once', () => {
    const document = withStep(0, (s) => ({ ...s, payload: 'nope(', retry: 'slow' }));
    expect(problemsOf(document).map((problem) => problem.path)).toEqual([
      'steps.0.payload',
      'steps.0.retry',
    ]);
  });
});
