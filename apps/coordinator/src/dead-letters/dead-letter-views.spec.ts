import { LIMITS } from '#contracts';
import { renderDeadLetterValue } from './dead-letter-views.js';

describe('renderDeadLetterValue', () => {
  it('shows a JSON body as JSON', () => {
    expect(renderDeadLetterValue('{"a":[1,"b"]}')).toEqual({ a: [1, 'b'] });
  });

  it('shows a body that is not JSON as its text, and no body as null', () => {
    expect(renderDeadLetterValue('{not json')).toBe('{not json');
    expect(renderDeadLetterValue(null)).toBeNull();
  });

  it('shows JSON nested deeper than a message may be as its text, which any page can write out', () => {
    const deep = `{"input":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(renderDeadLetterValue(deep)).toBe(deep);
    const deepest = `${'['.repeat(LIMITS.jsonDepth)}${']'.repeat(LIMITS.jsonDepth)}`;
    expect(renderDeadLetterValue(deepest)).toEqual(JSON.parse(deepest));
    expect(renderDeadLetterValue(`[${deepest}]`)).toBe(`[${deepest}]`);
  });
});
