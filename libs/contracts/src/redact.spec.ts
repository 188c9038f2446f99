import { REDACTED, redactPaths } from './redact.js';

describe('redactPaths', () => {
  const input = {
    orderId: 'o-1',
    payment: { cardToken: 'tok_secret', last4: '4242' },
    cards: [{ number: '4111' }, { number: '5555', holder: 'Ann' }],
    items: [{ sku: 'a' }, { sku: 'b' }],
  };

  it('replaces the named fields and leaves the input unchanged', () => {
    const snapshot = structuredClone(input);
    const redacted = redactPaths(input, ['payment.cardToken', 'cards.*.number']);
    expect(redacted).toEqual({
      ...input,
      payment: { cardToken: REDACTED, last4: '4242' },
      cards: [{ number: REDACTED }, { number: REDACTED, holder: 'Ann' }],
    });
    expect(input).toEqual(snapshot);
  });

  it('searches arrays met on a path element by element, or takes an index', () => {
    expect(redactPaths(input, ['items.sku']).items).toEqual([{ sku: REDACTED }, { sku: REDACTED }]);
    expect(redactPaths(input, ['items.1.sku']).items).toEqual([{ sku: 'a' }, { sku: REDACTED }]);
  });

  it('redacts a whole subtree and every key under a wildcard', () => {
    expect(redactPaths(input, ['payment']).payment).toBe(REDACTED);
    expect(redactPaths(input, ['payment.*']).payment).toEqual({
      cardToken: REDACTED,
      last4: REDACTED,
    });
  });

  it('returns the same object when no path matches, and passes scalars and undefined through', () => {
    expect(redactPaths(input, ['nowhere.near'])).toBe(input);
    expect(redactPaths(input, [])).toBe(input);
    expect(redactPaths('text', ['a'])).toBe('text');
    expect(redactPaths(undefined, ['a'])).toBeUndefined();
  });

  it('does not add a field that is absent, nor look into prototypes', () => {
    expect(redactPaths({ a: 1 }, ['b'])).toEqual({ a: 1 });
    expect(redactPaths({ a: 1 }, ['toString'])).toEqual({ a: 1 });
  });
});
