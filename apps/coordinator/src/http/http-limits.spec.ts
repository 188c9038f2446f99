import { exceedsDepth, MAX_JSON_DEPTH } from './http-limits.js';

const nested = (depth: number): unknown => {
  let value: unknown = 1;
  for (let i = 0; i < depth; i++) value = i % 2 === 0 ? [value] : { a: value };
  return value;
};

describe('exceedsDepth', () => {
  it('accepts scalars and nesting up to the limit', () => {
    expect(exceedsDepth(null, MAX_JSON_DEPTH)).toBe(false);
    expect(exceedsDepth('text', MAX_JSON_DEPTH)).toBe(false);
    expect(exceedsDepth(nested(MAX_JSON_DEPTH), MAX_JSON_DEPTH)).toBe(false);
  });

  it('refuses one level more, and a million levels without overflowing the stack', () => {
    expect(exceedsDepth(nested(MAX_JSON_DEPTH + 1), MAX_JSON_DEPTH)).toBe(true);
    expect(exceedsDepth(nested(1_000_000), MAX_JSON_DEPTH)).toBe(true);
  });
});
