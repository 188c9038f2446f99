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
