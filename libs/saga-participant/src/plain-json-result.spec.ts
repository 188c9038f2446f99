import { LIMITS, TOO_BIG_JSON } from '#contracts';
import { plainJson, plainJsonResult } from './plain-json-result.js';

class Money {
  constructor(
    readonly amount: number,
    readonly currency: string,
  ) {}
  toJSON(key: string) {
    return `${this.amount} ${this.currency} (${key})`;
  }
}

class LineDto {
  note: string | undefined = undefined;
  private readonly hidden = 'kept: private is a TypeScript word, not JavaScript';
  constructor(readonly sku: string) {
    Object.defineProperty(this, 'internal', { value: 1, enumerable: false });
  }
  get total(): number {
    return 1;
  }
}

describe('plainJson', () => {
  it.each<[string, unknown]>([
    ['a Date, and one that is invalid', { at: new Date(0), never: new Date(Number.NaN) }],
    ['a class instance: own enumerable fields, undefined left out', [new LineDto('apple')]],
    ['toJSON, given its key or index', { price: new Money(2, 'EUR'), list: [new Money(1, 'EUR')] }],
    ['boxed primitives', [Object(1), Object('a'), Object(false)]],
    ['non-finite numbers', { nan: Number.NaN, list: [Infinity] }],
    [
      'what an array holds as null, an object leaves out',
      { f: () => 1, s: Symbol('s'), u: [undefined, () => 1] },
    ],
    ['a Map and a Set (no own fields)', { map: new Map([['a', 1]]), set: new Set([1]) }],
    ['an object without a prototype', Object.assign(Object.create(null) as object, { a: 1 })],
    ['symbol keys', { [Symbol('k')]: 1, a: 2 }],
    [
      'a shared part that is no cycle',
      (() => {
        const shared = { a: 1 };
        return [shared, shared];
      })(),
    ],
    ['a primitive', 'text'],
  ])('writes %s as JSON.stringify does', (_name, value) => {
    expect(plainJson(value)).toEqual({ value: JSON.parse(JSON.stringify(value)) as unknown });
  });

  it('tells a BigInt, a cycle and nothing to write, with where', () => {
    const cycle: Record<string, unknown> = {};
    cycle.items = [cycle];

    expect(plainJson({ a: [1n] })).toEqual({
      problem: { path: ['a', 0], message: 'not a JSON value (bigint)' },
    });
    expect(plainJson(cycle)).toEqual({
      problem: { path: ['items', 0], message: 'a cycle (JSON.stringify cannot write it)' },
    });
    expect(plainJson(() => 1)).toEqual({
      problem: { path: [], message: 'not a JSON value (function)' },
    });
  });

  it('stops at LIMITS.jsonDepth, and at LIMITS.json values without expanding shared parts', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    let shared: unknown = [new LineDto('apple')];
    for (let i = 0; i < 60; i++) shared = [shared, shared]; // 2^60 values once expanded

    expect(plainJson(deep)).toMatchObject({ problem: { message: /^nested deeper than/ } });
    expect(plainJson(new Map([['a', shared]]))).toEqual({ value: {} });
    expect(plainJson({ dto: new LineDto('x'), shared })).toEqual({
      problem: { path: [], message: TOO_BIG_JSON },
    });
  });
});

describe('plainJsonResult', () => {
  it('gives the plain value when it fits the free-JSON rules', () => {
    expect(plainJsonResult({ at: new Date(0) })).toEqual({
      ok: true,
      value: { at: '1970-01-01T00:00:00.000Z' },
    });
  });

  it('tells why not by problem and path, a key that is no field name as *', () => {
    expect(plainJsonResult({ byEmail: { 'ann@example.com': { note: 'a\u0000' } } })).toEqual({
      ok: false,
      reason: 'must not contain U+0000 (NUL): it cannot be stored at $.byEmail.*.note',
    });
    expect(plainJsonResult({ note: 'x'.repeat(LIMITS.json) })).toEqual({
      ok: false,
      reason: TOO_BIG_JSON,
    });
  });
});
