import { inputsEqual } from './inputs-equal.js';

describe('inputsEqual', () => {
  it('ignores the order of object keys, as jsonb does', () => {
    expect(inputsEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
  });

  it.each([
    [{ a: 1 }, { a: 2 }],
    [{ a: 1 }, { a: 1, b: 1 }],
    [
      [1, 2],
      [2, 1],
    ],
    [{ a: null }, {}],
    [[1], { 0: 1 }],
    ['1', 1],
  ])('tells %j from %j', (left, right) => {
    expect(inputsEqual(left, right)).toBe(false);
  });
});
