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
 * 3, 401/403: 4, 409: 5, 429/502/503/504: 6, anything else, 400/413/415/500 say: 1), the API's own message, and
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

/** Why a request got no answer, in fixed words: never fetch's own text, which may quote a URL. */
export type NoAnswerCause = 'refused' | 'dns' | 'timeout' | 'tls' | 'other';

const NO_ANSWER_WORDS: Readonly<Record<NoAnswerCause, string>> = {
  refused: 'connection refused',
  dns: 'host not found (DNS)',
  timeout: 'timed out',
  tls: 'TLS failed (certificate or handshake)',
  other: 'no connection',
};

/** The cause of a fetch that failed, from the error's name and code (its message is not read). */
export function noAnswerCauseOf(error: unknown): { cause: NoAnswerCause; code?: string } {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') return { cause: 'timeout' };
  const inner = (error as { cause?: { code?: unknown } } | null)?.cause;
  const raw = inner?.code ?? (error as { code?: unknown } | null)?.code;
  // A code is an identifier (ECONNREFUSED); anything else is not shown.
  const code = typeof raw === 'string' && /^[A-Z][A-Z0-9_]{1,40}$/.test(raw) ? raw : undefined;
  const known = code === undefined ? undefined : codeCause(code);
  return { cause: known ?? 'other', ...(code === undefined ? {} : { code }) };
}

function codeCause(code: string): NoAnswerCause | undefined {
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NONAME') return 'dns';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT') return 'timeout';
  if (
    /^(ERR_TLS|ERR_SSL|CERT_|ERR_OSSL)/.test(code) ||
    code.includes('CERT') ||
    code === 'EPROTO' ||
    code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'
  ) {
    return 'tls';
  }
  return undefined;
}

/**
 * The failure of a request that got no answer, or only part of one (exit 6): the cause in fixed
 * words and the coordinator's origin, nothing of fetch's message.
 */
export function unreachableFailure(
  error: unknown,
  request: {
    readonly method: string;
    readonly path: string;
    readonly url: string;
    readonly timeoutMs: number;
  },
  what = 'is unreachable',
): CliError {
  const origin = originOf(request.url);
  const { cause, code } = noAnswerCauseOf(error);
  if (cause === 'timeout' && code === undefined) {
    return new CliError(
      EXIT.unavailable,
      `the coordinator at ${origin} did not answer ${request.method} ${request.path} within ${request.timeoutMs} ms`,
    );
  }
  const why = NO_ANSWER_WORDS[cause];
  return new CliError(
    EXIT.unavailable,
    `the coordinator at ${origin} ${what}: ${why}${code === undefined ? '' : ` (${code})`}`,
  );
}

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'the given URL';
  }
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
