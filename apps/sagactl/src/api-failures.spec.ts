import { failureOf, unreachableFailure, type FailedAnswer } from './api-failures.js';
import { EXIT } from './exit-codes.js';

const answer = (status: number, body: unknown, more: Partial<FailedAnswer> = {}): FailedAnswer => ({
  method: 'POST',
  path: '/sagas',
  url: 'http://coordinator:3000',
  status,
  statusText: '',
  body,
  keyGiven: true,
  ...more,
});
const problem = (statusCode: number, message: string, problems?: unknown[]) => ({
  statusCode,
  error: 'x',
  message,
  ...(problems === undefined ? {} : { problems }),
});

describe('failureOf', () => {
  it.each([
    [400, EXIT.failed],
    [401, EXIT.notAllowed],
    [403, EXIT.notAllowed],
    [404, EXIT.notFound],
    [409, EXIT.conflict],
    [413, EXIT.failed],
    [429, EXIT.unavailable],
    [500, EXIT.failed],
    [502, EXIT.unavailable],
    [503, EXIT.unavailable],
    [504, EXIT.unavailable],
  ])('maps %i to exit %i', (status, exit) => {
    expect(failureOf(answer(status, problem(status, 'm'))).exitCode).toBe(exit);
  });

  it("says which role a 403 lacks, in the API's words", () => {
    const failure = failureOf(
      answer(403, problem(403, "the 'operate' role is required"), { statusText: 'Forbidden' }),
    );
    expect(failure.message).toBe("not allowed (403 Forbidden): the 'operate' role is required");
  });

  it('tells a 401 without a key from a refused key', () => {
    const none = failureOf(answer(401, problem(401, 'credentials required'), { keyGiven: false }));
    expect(none.message).toBe('not authenticated (401): credentials required');
    expect(none.details).toEqual([expect.stringContaining('no API key was given')]);
    const refused = failureOf(answer(401, problem(401, 'unknown API key')));
    expect(refused.details).toEqual([expect.stringContaining('the API key was refused')]);
  });

  it('says what conflicted on a 409, without repeating the field problem its message holds', () => {
    const message = 'idempotency key "k" already started saga s-1 with another input';
    const failure = failureOf(
      answer(409, problem(409, message, [{ field: 'idempotencyKey', message }])),
    );
    expect(failure.message).toBe(`conflict (409): ${message}`);
    expect(failure.details).toEqual([]);
  });

  it('lists the field problems of a 400 its message does not already say', () => {
    const failure = failureOf(
      answer(
        400,
        problem(400, 'Invalid saga input', [{ field: 'input.amount', message: 'expected number' }]),
      ),
    );
    expect(failure.message).toBe('refused (400): Invalid saga input');
    expect(failure.details).toEqual(['input.amount: expected number']);
  });

  it('names the URL of an unavailable coordinator, and when to retry a 429', () => {
    expect(failureOf(answer(503, problem(503, 'The database is unavailable'))).message).toBe(
      'the coordinator at http://coordinator:3000 is unavailable (503): The database is unavailable',
    );
    expect(failureOf(answer(429, problem(429, 'slow down'), { retryAfter: '3' })).details).toEqual([
      'retry after 3 s',
    ]);
  });

  it("shows a page that is not the API's on one line, cut at 200 characters", () => {
    const failure = failureOf(answer(502, `<html>\n<body>${'x'.repeat(300)}</body></html>`));
    expect(failure.message).toMatch(/unavailable \(502\): <html> <body>x+…$/);
    expect(failure.message.length).toBeLessThan(300);
  });
});

describe('unreachableFailure', () => {
  const request = {
    method: 'GET',
    path: '/sagas',
    url: 'http://127.0.0.1:4999/base',
    timeoutMs: 500,
  };
  const fetchFailed = (code: string, message: string) =>
    new TypeError('fetch failed', { cause: Object.assign(new Error(message), { code }) });

  it('says a connection was refused, naming the origin only (exit 6)', () => {
    const failure = unreachableFailure(
      fetchFailed('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:4999'),
      request,
    );
    expect(failure).toMatchObject({
      exitCode: EXIT.unavailable,
      message:
        'the coordinator at http://127.0.0.1:4999 is unreachable: connection refused (ECONNREFUSED)',
    });
  });

  it.each([
    ['ENOTFOUND', 'host not found (DNS)'],
    ['UND_ERR_CONNECT_TIMEOUT', 'timed out'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'TLS failed (certificate or handshake)'],
    ['ECONNRESET', 'no connection'],
  ])("describes %s in fixed words, never fetch's text", (code, words) => {
    const secret = 'getaddrinfo ENOTFOUND s3cret.example.com Authorization: ApiKey s3cret';
    const { message } = unreachableFailure(fetchFailed(code, secret), request);
    expect(message).toBe(
      `the coordinator at http://127.0.0.1:4999 is unreachable: ${words} (${code})`,
    );
    expect(message).not.toContain('s3cret');
  });

  it('shows no code that is not an identifier, nor the text of an error without one', () => {
    const error = new TypeError('Failed to parse URL from http://op:s3cret@h');
    expect(unreachableFailure(error, request).message).toBe(
      'the coordinator at http://127.0.0.1:4999 is unreachable: no connection',
    );
    const odd = Object.assign(new Error('x'), { code: 'key s3cret' });
    expect(unreachableFailure(odd, request).message).not.toContain('s3cret');
  });

  it('says how long it waited for an answer that did not come', () => {
    const error = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    expect(unreachableFailure(error, request).message).toBe(
      'the coordinator at http://127.0.0.1:4999 did not answer GET /sagas within 500 ms',
    );
  });
});
