import { compileExpression } from './cel-expression.js';
import { DefinitionRuntimeError } from './definition-problem.js';

const evaluate = (source: string, context: unknown, result?: unknown) => {
  const compiled = compileExpression(source, result === undefined ? 'payload' : 'fold');
  if (!compiled.ok) throw new Error(compiled.reason);
  return compiled.evaluate({
    context,
    ...(result === undefined ? {} : { result: result as never }),
  });
};

describe('compileExpression', () => {
  it('builds JSON from the context: maps, lists, macros, integers as numbers', () => {
    expect(
      evaluate('{"n": context.items.size(), "skus": context.items.map(i, i.sku), "ok": true}', {
        items: [{ sku: 'a' }, { sku: 'b' }],
      }),
    ).toEqual({ n: 2, skus: ['a', 'b'], ok: true });
  });

  it('adds fields with merge, and tests absent ones with has()', () => {
    expect(evaluate('merge({"a": 1}, has(context.b) ? {"b": context.b} : {})', {})).toEqual({
      a: 1,
    });
    expect(evaluate('merge({"a": 1}, has(context.b) ? {"b": context.b} : {})', { b: 'x' })).toEqual(
      {
        a: 1,
        b: 'x',
      },
    );
  });

  it('reads the result in a fold only', () => {
    expect(evaluate('result.id', {}, { id: 'r-1' })).toBe('r-1');
    expect(compileExpression('result.id', 'payload')).toMatchObject({ ok: false });
  });

  it('throws a DefinitionRuntimeError when evaluation fails or gives what is not JSON', () => {
    expect(() => evaluate('context.missing', {})).toThrow(DefinitionRuntimeError);
    expect(() => evaluate('context.missing', {})).toThrow(/^the expression failed: No such key$/);
    expect(() => evaluate('b"bytes"', {})).toThrow(/gave a bytes value, not JSON/);
    expect(() => evaluate('9223372036854775807', {})).toThrow(/an integer beyond 2\^53/);
  });

  it('refuses an expression beyond the structural limits at compile time', () => {
    const deep = `${'['.repeat(40)}1${']'.repeat(40)}`;
    expect(compileExpression(deep, 'payload')).toMatchObject({ ok: false });
  });

  it('never repeats a value of the context in its error (it may be a secret)', () => {
    for (const source of ['bool(context.card)', 'context[context.card]']) {
      let message = '';
      try {
        evaluate(source, { card: 'tok_SECRET' });
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toMatch(/^the expression failed/);
      expect(message).not.toContain('tok_SECRET');
    }
  });

  it('refuses a string Postgres cannot store, and output beyond the size of a field', () => {
    expect(() => evaluate('"a\\u0000b"', {})).toThrow(/a string Postgres cannot store/);
    expect(() => evaluate('"😀".substring(0, 1)', {})).toThrow(/a string Postgres cannot store/);
    const big = 'x'.repeat(600_000);
    expect(() => evaluate('[context.big, context.big]', { big })).toThrow(
      /more than 1000000 characters/,
    );
  });
});

describe('compileExpression: unsigned integers and optional values', () => {
  it('gives an unsigned integer as a number, as it gives a signed one', () => {
    expect(
      evaluate('{"qty": uint(context.n), "fixed": 2u, "list": [1u, 2], "dyn": dyn(3u)}', { n: 3 }),
    ).toEqual({
      qty: 3,
      fixed: 2,
      list: [1, 2],
      dyn: 3,
    });
    expect(() => evaluate('18446744073709551615u', {})).toThrow(/an integer beyond 2\^53/);
  });

  it('refuses an optional value with a reason that says what to do', () => {
    expect(() => evaluate('{"a": context.?x}', { x: 1 })).toThrow(
      /gave an optional value at a, not JSON \(orValue\(\) gives its value or a default\)/,
    );
  });
});

describe('compileExpression: work that could grow faster than the context', () => {
  it.each([
    ['a list built from the context in a map body', '{"v": context.a.map(x, context.a + [x])}'],
    ['membership in a list of the context in an all body', 'context.a.all(x, x in context.a)'],
    [
      'a comparison with a value of the context in an exists body',
      'context.a.exists(x, x == context.b)',
    ],
    [
      'a string method on the context in a filter body',
      'context.a.filter(x, context.s.contains(x))',
    ],
    ['a call on the context in a map body', 'context.a.map(x, size(context.s))'],
  ])('refuses %s', (_what, source) => {
    const compiled = compileExpression(source, 'payload');
    expect(compiled).toMatchObject({ ok: false });
    expect(compiled.ok ? '' : compiled.reason).toMatch(/in a macro's body/);
  });

  it('refuses cel.bind, whose variables could double a value at each binding', () => {
    const doubling =
      'cel.bind(a, context.a + context.a, cel.bind(b, a + a, cel.bind(c, b + b, c)))';
    expect(compileExpression(doubling, 'payload')).toEqual({
      ok: false,
      reason: expect.stringMatching(/^cel\.bind\(\) is not available/) as unknown,
    });
  });

  it('refuses a chain of list concatenations, which copies the growing list at each step', () => {
    const chain = Array.from({ length: 300 }, () => 'context.a').join(' + ');
    expect(compileExpression(chain, 'payload')).toEqual({
      ok: false,
      reason: expect.stringMatching(/concatenation/) as unknown,
    });
  });

  it.each([
    ['map to a field', 'context.items.map(i, i.sku)'],
    [
      'map to a map of fields',
      'context.items.map(i, {"sku": i.sku, "n": i.quantity * 2, "at": context.orderId})',
    ],
    ['filter by a literal', 'context.items.filter(i, i.quantity > 1 && i.sku != "gift")'],
    ['filter by a value of the context', 'context.items.filter(i, i.quantity >= context.minimum)'],
    [
      'exists and all',
      'context.items.exists(i, i.sku in ["a", "b"]) && context.items.all(i, i.quantity > 0)',
    ],
    ['arithmetic with the context', 'context.items.map(i, i.price * context.rate + 1.0)'],
    ['strings of the element', 'context.items.map(i, i.sku + "-" + string(i.quantity))'],
    ['has() and a ternary', 'context.items.map(i, has(i.note) ? i.note : context.orderId)'],
    ['a string built outside macros', '"order " + context.orderId + " of " + context.customerId'],
    ['one concatenation', '{"all": context.a + context.b, "more": context.c + ["x"]}'],
    ['four lists in a row', 'context.a + context.b + context.c + ["x"]'],
  ])('compiles what the documents do: %s', (_what, source) => {
    expect(compileExpression(source, 'payload')).toMatchObject({ ok: true });
  });

  it('builds those as before', () => {
    const context = {
      items: [
        { sku: 'a', quantity: 2, price: 1.5 },
        { sku: 'b', quantity: 1, price: 2.0, note: 'n' },
      ],
      minimum: 2,
      rate: 2.0,
      orderId: 'o-1',
    };
    expect(
      evaluate('context.items.filter(i, i.quantity >= context.minimum).map(i, i.sku)', context),
    ).toEqual(['a']);
    expect(evaluate('context.items.map(i, i.price * context.rate + 1.0)', context)).toEqual([4, 5]);
    expect(
      evaluate('context.items.map(i, has(i.note) ? i.note : context.orderId)', context),
    ).toEqual(['o-1', 'n']);
  });
});
