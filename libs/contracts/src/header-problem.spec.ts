import { HEADERS, MESSAGE_TYPES } from './headers.js';
import { headerProblem } from './header-problem.js';

describe('headerProblem', () => {
  it('accepts absent headers and the contract’s own', () => {
    expect(headerProblem({}, MESSAGE_TYPES.reply)).toBeUndefined();
    const headers = {
      [HEADERS.messageType]: MESSAGE_TYPES.reply,
      [HEADERS.contentType]: 'application/json; charset=utf-8',
      [HEADERS.schemaVersion]: '1',
      [HEADERS.messageId]: 'm-1',
      [HEADERS.sagaId]: 's-1',
    };
    expect(headerProblem(headers, MESSAGE_TYPES.reply, { messageId: 'm-1', sagaId: 's-1' })).toBe(
      undefined,
    );
  });

  it('names a header that contradicts the topic, the content, the version or the body', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ [HEADERS.messageType]: MESSAGE_TYPES.command }, /saga-message-type must be saga.reply/],
      [{ [HEADERS.contentType]: 'text/plain' }, /content-type must be application\/json/],
      [{ [HEADERS.schemaVersion]: '2' }, /saga-schema-version must be 1/],
      [{ [HEADERS.sagaId]: 'other' }, /saga-id does not match the body/],
    ];
    for (const [headers, problem] of cases) {
      expect(headerProblem(headers, MESSAGE_TYPES.reply, { sagaId: 's-1' })).toMatch(problem);
    }
  });

  it('takes a saga id in the header in another case than in the body as the same', () => {
    const sagaId = '0b9a5a4e-7c2d-4f10-9a4e-5c1d2e3f4a5b';
    const headers = { [HEADERS.sagaId]: sagaId };
    expect(headerProblem(headers, MESSAGE_TYPES.reply, { sagaId: sagaId.toUpperCase() })).toBe(
      undefined,
    );
  });

  it('never echoes a header value', () => {
    const problem = headerProblem({ [HEADERS.contentType]: 'secret-ish' }, MESSAGE_TYPES.start);
    expect(problem).not.toContain('secret-ish');
  });
});
