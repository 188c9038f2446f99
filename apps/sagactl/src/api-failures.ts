import { CliError, EXIT } from './exit-codes.js';

/** An answer of the API that is not a success, with what was asked. */
export interface FailedAnswer {
  readonly method: string;
  readonly path: string;
  /** The coordinator's base URL, as shown to people (no credentials in it). */
  readonly url: string;
  readonly status: number;
  readonly statusText: string;
  /** The body: the API's problem JSON, or text from something else (a proxy's page). */
  readonly body: unknown;
  /** An API key was sent. */
  readonly keyGiven: boolean;
  /** The Retry-After header, if any. */
  readonly retryAfter?: string | null;
}

interface Problem {
  readonly message?: unknown;
  readonly problems?: readonly { readonly field: string; readonly message: string }[];
}

/**
 * The failure a script and a person get for an answer: the exit code its status maps to (404:
 * 3, 401/403: 4, 409: 5, 429/502/503/504: 6, anything else: 1), the API's own message, and
 * what to do where the status says it.
 */
export function failureOf(answer: FailedAnswer): CliError {
  const { status } = answer;
  const message = messageOf(answer);
  const label = `(${status}${answer.statusText ? ` ${answer.statusText}` : ''})`;
  const problems = problemLines(answer.body, message);
  switch (status) {
    case 401:
      return new CliError(EXIT.notAllowed, `not authenticated ${label}: ${message}`, [
        answer.keyGiven
          ? 'the API key was refused: check it, and that it is not revoked'
          : 'no API key was given: pass --api-key, set SAGACTL_API_KEY or use a profile',
      ]);
    case 403:
      return new CliError(EXIT.notAllowed, `not allowed ${label}: ${message}`);
    case 404:
      return new CliError(EXIT.notFound, `not found ${label}: ${message}`);
    case 409:
      return new CliError(EXIT.conflict, `conflict ${label}: ${message}`, problems);
    case 429: {
      const wait = answer.retryAfter ? [`retry after ${answer.retryAfter} s`] : [];
      return new CliError(EXIT.unavailable, `too many requests ${label}: ${message}`, wait);
    }
    case 502:
    case 503:
    case 504:
      return new CliError(
        EXIT.unavailable,
        `the coordinator at ${answer.url} is unavailable ${label}: ${message}`,
      );
    default: {
      const what = status >= 500 ? 'the coordinator failed' : 'refused';
      return new CliError(EXIT.failed, `${what} ${label}: ${message}`, problems);
    }
  }
}

/** Socket errors in words. */
const CONNECTION_ERRORS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host not found',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
};

/** The failure of a request that got no answer: refused, reset, unknown host, timed out (exit 6). */
export function unreachableFailure(
  error: unknown,
  request: {
    readonly method: string;
    readonly path: string;
    readonly url: string;
    readonly timeoutMs: number;
  },
): CliError {
  const name = (error as { name?: string }).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new CliError(
      EXIT.unavailable,
      `the coordinator at ${request.url} did not answer ${request.method} ${request.path} within ${request.timeoutMs} ms`,
    );
  }
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  const code = cause?.code ?? (error as { code?: string }).code;
  const message = cause?.message ?? (error as Error).message;
  const why =
    (code === undefined ? undefined : CONNECTION_ERRORS[code]) ??
    (message === 'bad port'
      ? 'fetch refuses that port (a "bad port" browsers block too)'
      : message);
  const shown = code !== undefined && !why.includes(code) ? `${why} (${code})` : why;
  return new CliError(
    EXIT.unavailable,
    `the coordinator at ${request.url} is unreachable: ${shown}`,
  );
}

function messageOf(answer: FailedAnswer): string {
  const { body } = answer;
  if (typeof body === 'object' && body !== null) {
    const message = (body as Problem).message;
    if (typeof message === 'string' && message !== '') return message;
    if (Array.isArray(message)) return message.join('; ');
  }
  if (typeof body === 'string' && body.trim() !== '') {
    const line = body.replace(/\s+/g, ' ').trim();
    return line.length > 200 ? `${line.slice(0, 200)}…` : line;
  }
  return answer.statusText || 'no message';
}

/** The API's field problems, those its message does not already list. */
function problemLines(body: unknown, message: string): string[] {
  const problems = (body as Problem | null)?.problems;
  if (!Array.isArray(problems)) return [];
  return problems
    .filter((problem) => !message.includes(problem.message))
    .map((problem) => `${problem.field}: ${problem.message}`);
}
