import { z } from 'zod';
import { LIMITS } from './limits.js';
import { jsonValueProblems, TOO_BIG_JSON } from './json-value-check.js';
import { decodeMessage, parseCommandMessage } from './parse-message.js';
import { replyOutcomeSchema, sagaEventMessageSchema, startSagaMessageSchema } from './schemas.js';
import { UNSTORABLE_TEXT, unstorableTextProblem } from './storable-text.js';

const NUL = '\u0000';
const HIGH = '\ud800';

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

class Listing extends Array<number> {
  toJSON(): string {
    return 'a\u0000';
  }
}

const shared = { id: 1 };
const maxString = LIMITS.json - 2; // serialised with its two quotes: exactly the limit

const accepted: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['a number', 1.5],
  ['-0', -0],
  ['the largest number', Number.MAX_VALUE],
  ['an empty object, as the echo participant answers', {}],
  ['a small object', { reservationId: 'rsv-1', items: [{ sku: 'apple', quantity: 2 }] }],
  ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
  ['an object inheriting from a plain one', Object.create({ inherited: undefined }) as unknown],
  ['an object with a constructor field', { constructor: 'c' }],
  ['a non-enumerable undefined', withProperty('hidden', undefined, false)],
  ['a non-enumerable symbol key', withProperty(Symbol('s'), 1, false)],
  ['an array with an extra property', Object.assign([1], { extra: undefined })],
  ['a value shared twice', { a: shared, b: [shared] }],
  ['a frozen array', Object.freeze([1, 'a'])],
  ['a surrogate pair', '\u{1F600}'],
  ['arrays as deep as the limit', nested(LIMITS.jsonDepth, true)],
  ['objects as deep as the limit', nested(LIMITS.jsonDepth, false)],
  ['a string serialised at the size limit', 'x'.repeat(maxString)],
  ['escapes serialised at the size limit', '"'.repeat(maxString / 2)],
];

const refused: [string, unknown][] = [
  ['NaN', NaN],
  ['Infinity', Infinity],
  ['-Infinity', -Infinity],
  ['NaN in an array', [1, NaN]],
  ['Infinity in an object', { n: Infinity }],
  ['undefined', undefined],
  ['undefined in an array', [1, undefined]],
  ['undefined in an object', { a: undefined }],
  ['a hole in an array', Object.assign(new Array<unknown>(3), { 0: 1, 2: 3 })],
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
  ['an object whose constructor field is a class', { constructor: Point }],
  ['an own toJSON function', { toJSON: () => 'x' }],
  ['an inherited toJSON', Object.create({ toJSON: () => 'a\u0000' }) as unknown],
  ['an array with a toJSON', Object.assign([1], { toJSON: () => 'a\u0000' })],
  ['an Array subclass with a toJSON', Listing.from([1])],
  ['an inherited toJSON, nested', { inner: [Object.create({ toJSON: () => 1 }) as unknown] }],
  ['an own __proto__ key', JSON.parse('{"__proto__": {"a": 1}, "kept": 1}') as unknown],
  ['an enumerable symbol key', withProperty(Symbol('s'), 1, true)],
  ['a string with a NUL', `a${NUL}b`],
  ['a lone high surrogate', `a${HIGH}`],
  ['a lone low surrogate in an array', ['\udc00b']],
  ['a key with a NUL', { [`a${NUL}`]: 1 }],
  ['a key with a lone surrogate', { [HIGH]: 1 }],
  ['a NUL 100 deep', nested(100, false, ['ok', `a${NUL}`])],
  ['NaN 100 deep', nested(100, true, { n: NaN })],
  ['a Date 100 deep', nested(100, false, new Date(0))],
  ['arrays one deeper than the limit', nested(LIMITS.jsonDepth + 1, true)],
  ['objects one deeper than the limit', nested(LIMITS.jsonDepth + 1, false)],
  ['nesting far past the stack', nested(100_000, true)],
  ['a string serialised one past the size limit', 'x'.repeat(maxString + 1)],
  ['escapes serialised one past it', `x${'"'.repeat(maxString / 2)}`],
  ['an object serialised one past it', { s: 'x'.repeat(maxString - '{"s":}'.length + 1) }],
];

/**
 * The check this one replaced, rebuilt: z.json(), then every string and key storable, then the
 * size. It is the reference for what JSON.parse can give; the rules added since (depth, a key
 * __proto__, toJSON) are left out of the comparison.
 */
const before = z
  .json()
  .refine((value) => storableBefore(value))
  .refine((value) => JSON.stringify(value).length <= LIMITS.json);

function storableBefore(value: unknown): boolean {
  if (typeof value === 'string') return unstorableTextProblem(value) === undefined;
  if (Array.isArray(value)) return value.every(storableBefore);
  if (value === null || typeof value !== 'object') return true;
  return Object.entries(value).every(
    ([key, child]) => unstorableTextProblem(key) === undefined && storableBefore(child),
  );
}

const RULES_ADDED_SINCE = /toJSON|__proto__|deeper than the limit|past the stack/;

const schemaAccepts = (result: unknown) =>
  replyOutcomeSchema.safeParse({ status: 'success', result }).success;

describe('jsonValueProblems: a free-JSON field of a message', () => {
  it.each([...accepted, ...refused].filter(([name]) => !RULES_ADDED_SINCE.test(name)))(
    'gives the verdict zod gave before it: %s',
    (_name, value) => {
      expect(jsonValueProblems(value).length === 0).toBe(before.safeParse(value).success);
    },
  );

  it.each(accepted)('accepts %s, as the schemas do', (_name, value) => {
    expect(jsonValueProblems(value)).toEqual([]);
    expect(schemaAccepts(value)).toBe(true);
  });

  it.each(refused)('refuses %s, as the schemas do', (_name, value) => {
    expect(jsonValueProblems(value).length).toBeGreaterThan(0);
    expect(schemaAccepts(value)).toBe(false);
  });

  it('refuses a cycle as nesting too deep, and stops at the most problems asked for', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    cycle.again = cycle;

    expect(jsonValueProblems(cycle, 1)).toEqual([
      {
        path: Array<string>(LIMITS.jsonDepth).fill('self'),
        message: expect.stringMatching(/^nested deeper than 512/) as string,
      },
    ]);
    expect(jsonValueProblems(cycle)).toHaveLength(10);
    let shared: unknown = 'leaf';
    for (let i = 0; i < 40; i++) shared = [shared, shared];
    // 2^40 values to write out: too big long before the walk would end.
    expect(jsonValueProblems(shared)).toEqual([{ path: [], message: TOO_BIG_JSON }]);
    expect(
      jsonValueProblems(
        Array.from({ length: 50 }, () => NUL),
        3,
      ),
    ).toHaveLength(3);
  });

  it('names each problem by its path, keys and indexes in order', () => {
    expect(
      jsonValueProblems({ ok: 'fine', a: [1, { b: HIGH }], [`k${NUL}`]: NaN, d: new Date(0) }),
    ).toEqual([
      { path: ['a', 1, 'b'], message: UNSTORABLE_TEXT.loneSurrogate },
      { path: [`k${NUL}`], message: `key ${UNSTORABLE_TEXT.nul}` },
      { path: [`k${NUL}`], message: 'not a JSON value (NaN)' },
      { path: ['d'], message: 'not a JSON value (a Date)' },
    ]);
    expect(jsonValueProblems('x'.repeat(LIMITS.json))).toEqual([
      { path: [], message: TOO_BIG_JSON },
    ]);
  });

  it('gives the field and the path in a message refused on the wire', () => {
    const text = (input: string) => `{"sagaType":"order","idempotencyKey":"k","input":${input}}`;

    expect(decodeMessage(startSagaMessageSchema, text('{"a":[1,{"__proto__":{}}]}'))).toEqual({
      ok: false,
      reason:
        'input.a.1.__proto__: key __proto__ is refused: a reader would take it for the prototype',
    });
    expect(
      decodeMessage(startSagaMessageSchema, text(`${'['.repeat(600)}${']'.repeat(600)}`)),
    ).toEqual({
      ok: false,
      reason: `input${'.0'.repeat(LIMITS.jsonDepth)}: nested deeper than ${LIMITS.jsonDepth} arrays and objects`,
    });
    const { payload: _payload, ...noPayload } = {
      messageId: 'm',
      sagaId: 's',
      sagaType: 't',
      sagaVersion: 1,
      stepId: 'x',
      action: 'execute',
      attempt: 1,
      participant: 'p',
      commandType: 'c',
      idempotencyKey: 'k',
      replyTo: 'saga.replies',
      payload: {},
      sentAt: '2030-01-01T00:00:00Z',
    };
    expect(parseCommandMessage(noPayload)).toEqual({
      ok: false,
      reason: 'payload: Invalid input: expected JSON, received undefined',
    });
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });
    expect(parseCommandMessage({ ...noPayload, payload: throwing })).toEqual({
      ok: false,
      reason: '(root): boom',
    });
  });
});

describe('the free-JSON fields of the envelopes', () => {
  const event = {
    eventId: 'e-1',
    sagaId: 's-1',
    sagaType: 'order',
    sagaVersion: 1,
    type: 'saga.completed',
    at: '2030-01-01T00:00:00Z',
  };

  it("takes an event's detail as a JSON object only, and does without one", () => {
    expect(sagaEventMessageSchema.safeParse(event).success).toBe(true);
    expect(sagaEventMessageSchema.safeParse({ ...event, detail: { a: [1] } }).success).toBe(true);
    for (const detail of [null, 'text', [1]]) {
      expect(sagaEventMessageSchema.safeParse({ ...event, detail }).error?.issues).toEqual([
        expect.objectContaining({ path: ['detail'], message: 'must be a JSON object' }),
      ]);
    }
    const proto = JSON.parse('{"a": {"__proto__": 1}}') as unknown;
    expect(sagaEventMessageSchema.safeParse({ ...event, detail: proto }).error?.issues).toEqual([
      expect.objectContaining({ path: ['detail', 'a', '__proto__'] }),
    ]);
  });

  it("takes a failure's details when given, and does without them", () => {
    const failure = { status: 'failure', code: 'OUT_OF_STOCK', message: 'none left' };
    expect(replyOutcomeSchema.safeParse(failure).success).toBe(true);
    expect(replyOutcomeSchema.safeParse({ ...failure, details: null }).success).toBe(true);
    expect(replyOutcomeSchema.safeParse({ ...failure, details: [NaN] }).error?.issues).toEqual([
      expect.objectContaining({ path: ['details', 0], message: 'not a JSON value (NaN)' }),
    ]);
  });
});
