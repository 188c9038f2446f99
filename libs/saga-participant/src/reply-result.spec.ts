import { LIMITS, replyOutcomeSchema, type JsonValue } from '#contracts';
import { runCommandHandler } from './command-handler.js';
import { commandFor } from './command.fixture.js';
import { fitsReplyResult } from './reply-result.js';

/** The reply schema on a success outcome: what the coordinator will read. */
const schemaAccepts = (result: unknown) =>
  replyOutcomeSchema.safeParse({ status: 'success', result }).success;

describe('fitsReplyResult', () => {
  it.each<[string, unknown]>([
    ['an empty object, as the echo participant answers', {}],
    ['a small object', { reservationId: 'rsv-1', items: [{ sku: 'apple', quantity: 2 }] }],
    ['null', null],
    ['a Date', { at: new Date(0) }],
    ['NaN', [NaN]],
    ['a NUL', { note: 'a\u0000' }],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"a": 1}}') as unknown],
  ])('takes what the reply schema takes (jsonValueProblems): %s', (_name, value) => {
    expect(fitsReplyResult(value)).toBe(schemaAccepts(value));
  });

  it('refuses, without throwing, a cycle, nesting past the stack and a getter that throws', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });

    expect(fitsReplyResult(cycle)).toBe(false);
    expect(fitsReplyResult([[cycle]])).toBe(false);
    expect(fitsReplyResult(deep)).toBe(false);
    expect(fitsReplyResult(throwing)).toBe(false);
    expect(fitsReplyResult(nested(LIMITS.jsonDepth))).toBe(true);
    expect(fitsReplyResult(nested(LIMITS.jsonDepth + 1))).toBe(false);
  });
});

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('runCommandHandler', () => {
  const run = (result: unknown) =>
    runCommandHandler(
      () => result as JsonValue,
      commandFor(),
      { transaction: undefined, onRollback: () => undefined },
      () => undefined,
    );

  it('answers a JSON result with a success that carries it', async () => {
    const result = { reservationId: 'rsv-1' };

    await expect(run(result)).resolves.toEqual({ status: 'success', result });
  });

  it('answers a result that is not JSON, a cycle included, with INVALID_RESULT, not retried', async () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    const invalid = {
      status: 'error',
      code: 'INVALID_RESULT',
      message: 'inventory answered inventory.reserve with a result that is not JSON',
      retryable: false,
    };

    await expect(run({ at: new Date(0) })).resolves.toEqual(invalid);
    await expect(run(cycle)).resolves.toEqual(invalid);
  });
});
