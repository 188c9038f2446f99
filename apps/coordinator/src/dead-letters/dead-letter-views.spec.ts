import { renderDeadLetterValue } from './dead-letter-views.js';

describe('renderDeadLetterValue', () => {
  it('shows a JSON body as JSON', () => {
    expect(renderDeadLetterValue('{"a":[1,"b"]}')).toEqual({ a: [1, 'b'] });
  });

  it('shows a body that is not JSON as its text, and no body as null', () => {
    expect(renderDeadLetterValue('{not json')).toBe('{not json');
    expect(renderDeadLetterValue(null)).toBeNull();
  });
});
