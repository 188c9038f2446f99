import { describeError, MAX_CAUSES } from './describe-error.js';

describe('describeError', () => {
  it('names the error and its message', () => {
    expect(describeError(new TypeError('bad input'))).toBe('TypeError: bad input');
  });

  it('keeps the causes, outermost first', () => {
    const root = new Error('ECONNRESET');
    const error = new Error('publish failed', { cause: new RangeError('retry', { cause: root }) });

    expect(describeError(error)).toBe(
      'Error: publish failed <- RangeError: retry <- Error: ECONNRESET',
    );
  });

  it('never repeats a thrown value that is not an Error', () => {
    expect(describeError('password=hunter2')).toBe('thrown string');
    expect(describeError(new Error('wrapped', { cause: { token: 'abc' } }))).toBe(
      'Error: wrapped <- thrown object',
    );
  });

  it('stops at a cycle of causes and after MAX_CAUSES causes', () => {
    const looped = new Error('a');
    looped.cause = looped;
    expect(describeError(looped)).toBe('Error: a');

    let deep = new Error('0');
    for (let i = 1; i <= 10; i++) deep = new Error(String(i), { cause: deep });
    expect(describeError(deep).split(' <- ')).toHaveLength(MAX_CAUSES + 1);
  });
});
