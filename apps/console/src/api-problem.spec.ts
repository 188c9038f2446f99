import { problemText } from './api-problem.js';
import { traceUrl } from './trace-link.js';

describe('problemText', () => {
  it("says what a 409 and a 403 mean, then the API's own words", () => {
    expect(problemText(409, { statusCode: 409, message: 'the saga is already compensating' })).toBe(
      'Refused in this state: the saga is already compensating',
    );
    expect(problemText(403, { detail: "the 'operate' role is required" })).toBe(
      "Not allowed: the 'operate' role is required",
    );
  });

  it('names the bad fields its message does not already name', () => {
    const body = {
      message: 'Invalid request',
      problems: [{ field: 'q', message: 'unexpected token at 7' }],
    };
    expect(problemText(400, body)).toBe(
      'Invalid request: Invalid request; q: unexpected token at 7',
    );
  });

  it('falls back to the meaning of the status when the body says nothing', () => {
    expect(problemText(503, undefined)).toBe('Unavailable.');
    expect(problemText(418, {})).toBe('Error 418.');
  });
});

describe('traceUrl', () => {
  it('puts the trace id where the template says, and gives no link without both', () => {
    expect(traceUrl('http://localhost:16686/trace/{traceId}', 'abc123')).toBe(
      'http://localhost:16686/trace/abc123',
    );
    expect(traceUrl(null, 'abc123')).toBeUndefined();
    expect(traceUrl('http://x/{traceId}', null)).toBeUndefined();
  });
});
