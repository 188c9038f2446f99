import { LIMITS, replyOutcomeSchema, type JsonValue } from '#contracts';
import { runCommandHandler } from './command-handler.js';
import { commandFor } from './command.fixture.js';
import { fitsReplyResult, MAX_RESULT_DEPTH } from './reply-result.js';

/** The check it replaces: the reply schema on a success outcome. */
const zodAccepts = (result: unknown) =>
  replyOutcomeSchema.safeParse({ status: 'success', result }).success;

function nested(depth: number, inArray: boolean, leaf: unknown = 'leaf'): unknown {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = inArray ? [value] : { a: value };
  return value;
}

function withProperty(name: PropertyKey, value: unknown, enumerable: boolean): object {
  return Object.defineProperty({ kept: 1 }, name, { value, enumerable });
}

class Point {
  x = 1;
}

const shared = { id: 1 };
const ownProto = JSON.parse('{"__proto__": {"text": "nul \\u0000"}, "kept": 1}') as unknown;
const maxString = LIMITS.json - 2; // serialised with its two quotes: exactly the limit

const cases: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['a number', 1.5],
  ['-0', -0],
  ['the largest number', Number.MAX_VALUE],
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['NaN in an array', [1, NaN]],
  ['Infinity in an object', { n: Infinity }],
  ['undefined', undefined],
  ['undefined in an array', [1, undefined]],
  ['undefined in an object', { a: undefined }],
  ['a hole in an array', Object.assign(new Array<unknown>(3), { 0: 1, 2: 3 })],
  ['an empty object, as the echo participant answers', {}],
  ['a small object', { reservationId: 'rsv-1', items: [{ sku: 'apple', quantity: 2 }] }],
  ['a function', () => 1],
  ['a function in an object', { f: () => 1 }],
  ['a symbol', Symbol('s')],
  ['a BigInt', 1n],
  ['a BigInt in an array', [1n]],
  ['a Date', new Date(0)],
  ['a Date in an object', { at: new Date(0) }],
  ['a Map', new Map([['a', 1]])],
  ['a Set', new Set([1])],
  ['a class instance', new Point()],
  ['an Error', new Error('boom')],
  ['a typed array', new Uint8Array(2)],
  ['a boxed string', new String('s')],
  ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ['an object inheriting from a plain one', Object.create({ inherited: undefined }) as unknown],
  ['an object with a constructor field', { constructor: 'c' }],
  ['an object whose constructor field is a class', { constructor: Point }],
  ['an own toJSON function', { toJSON: () => 'x' }],
  ['an own __proto__ key (zod skips it)', ownProto],
  ['a non-enumerable undefined', withProperty('hidden', undefined, false)],
  ['an enumerable symbol key', withProperty(Symbol('s'), 1, true)],
  ['a non-enumerable symbol key', withProperty(Symbol('s'), 1, false)],
  ['an array with an extra property', Object.assign([1], { extra: undefined })],
  ['a value shared twice', { a: shared, b: [shared] }],
  ['a frozen array', Object.freeze([1, 'a'])],
  ['a string with a NUL', 'a\u0000b'],
  ['a lone high surrogate', 'a\ud800'],
  ['a lone low surrogate in an array', ['\udc00b']],
  ['a surrogate pair', '\u{1F600}'],
  ['a key with a NUL', { 'a\u0000': 1 }],
  ['a key with a lone surrogate', { '\ud800': 1 }],
  ['a NUL 100 deep', nested(100, false, ['ok', 'a\u0000'])],
  ['NaN 100 deep', nested(100, true, { n: NaN })],
  ['a Date 100 deep', nested(100, false, new Date(0))],
  ['arrays 500 deep', nested(500, true)],
  ['objects 500 deep', nested(500, false)],
  ['a string serialised at the size limit', 'x'.repeat(maxString)],
  ['a string serialised one past it', 'x'.repeat(maxString + 1)],
  ['escapes serialised at the size limit', '"'.repeat(maxString / 2)],
  ['escapes serialised one past it', `x${'"'.repeat(maxString / 2)}`],
  ['an object serialised one past the limit', { s: 'x'.repeat(maxString - '{"s":}'.length + 1) }],
];

describe('fitsReplyResult', () => {
  it.each(cases)('accepts exactly what the reply schema accepts: %s', (_name, value) => {
    expect(fitsReplyResult(value)).toBe(zodAccepts(value));
  });

  it('refuses what the reply schema could not judge: a cycle, nesting past the stack', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const deep = nested(100_000, true);

    // zod never returns on the first (its storability walk goes round the cycle) and throws on the second.
    expect(() => zodAccepts(deep)).toThrow(RangeError);
    expect(fitsReplyResult(cycle)).toBe(false);
    expect(fitsReplyResult([[cycle]])).toBe(false);
    expect(fitsReplyResult(deep)).toBe(false);
  });
});

describe('fitsReplyResult, past what the schema says', () => {
  it('refuses nesting deeper than MAX_RESULT_DEPTH, which the coordinator may not be able to read', () => {
    expect(fitsReplyResult(nested(MAX_RESULT_DEPTH, true))).toBe(true);
    expect(fitsReplyResult(nested(MAX_RESULT_DEPTH, false))).toBe(true);
    expect(fitsReplyResult(nested(MAX_RESULT_DEPTH + 1, true))).toBe(false);
    expect(fitsReplyResult(nested(MAX_RESULT_DEPTH + 1, false))).toBe(false);
    // Where the coordinator's validator has been seen to run out of stack.
    expect(fitsReplyResult(nested(1_000, false))).toBe(false);
  });

  it('refuses an object or an array whose toJSON would send something unchecked', () => {
    const sneaky = Object.create({ toJSON: () => 'a\u0000' }) as object;
    const sneakyArray = Object.assign([1], { toJSON: () => 'a\u0000' });
    class Listing extends Array<number> {
      toJSON(): string {
        return 'a\u0000';
      }
    }

    expect(fitsReplyResult(sneaky)).toBe(false);
    expect(fitsReplyResult({ inner: [sneaky] })).toBe(false);
    expect(fitsReplyResult(sneakyArray)).toBe(false);
    expect(fitsReplyResult(Listing.from([1]))).toBe(false);
  });
});

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
