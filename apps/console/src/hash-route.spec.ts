import { hashOf, parseHash } from './hash-route.js';

describe('the route in the address', () => {
  it('reads the page and its parameters from the hash; no hash is the saga list', () => {
    const route = parseHash('#/sagas/abc?x=1&y=a%20b');
    expect(route.path).toBe('/sagas/abc');
    expect(Object.fromEntries(route.params)).toEqual({ x: '1', y: 'a b' });
    expect(parseHash('').path).toBe('/sagas');
    expect(parseHash('#').path).toBe('/sagas');
  });

  it('writes a hash that reads back the same, without a ? when there is no parameter', () => {
    const params = new URLSearchParams({ q: 'sagaType == "order"' });
    expect(hashOf('/bulk')).toBe('#/bulk');
    expect(hashOf('/bulk', new URLSearchParams())).toBe('#/bulk');
    const route = parseHash(hashOf('/bulk', params));
    expect(route.params.get('q')).toBe('sagaType == "order"');
  });
});
