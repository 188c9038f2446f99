// The console's only way to the coordinator: same-origin JSON calls with the operator's
// credentials, each given up after a timeout; an error answer becomes an ApiError in words, and
// a 401 to the credentials in use signs the operator out.
import { ApiError, problemText } from './api-problem.js';
import { credentialHeaders, type Credentials } from './credentials.js';

/** How long a call may take before it is given up (ms). */
export const CALL_TIMEOUT_MS = 10_000;

/** What a call may carry besides its path and body. */
export interface CallOptions {
  /** Aborts the call (a page that went away, a poll started afresh). */
  readonly signal?: AbortSignal | undefined;
}

/** The calls the pages make. Paths are the API's, from the origin's root (`/sagas?…`). */
export interface ApiClient {
  get<T>(path: string, options?: CallOptions): Promise<T>;
  post<T>(path: string, body?: unknown, options?: CallOptions): Promise<T>;
  put<T>(path: string, body: unknown, options?: CallOptions): Promise<T>;
}

/** The credentials in use, and their generation: it grows at each sign-in and sign-out. */
export interface StampedCredentials {
  readonly credentials: Credentials | undefined;
  readonly generation: number;
}

/** Where the client finds the credentials and what it does when the API refuses them. */
export interface ApiClientOptions {
  readonly credentials: () => StampedCredentials;
  /**
   * Called on a 401, before the call rejects, with the generation of the credentials the call
   * carried: a 401 to credentials given up since then says nothing about the current ones.
   */
  readonly onUnauthorized: (message: string, generation: number) => void;
}

/** A client for the coordinator that serves this page. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const call = async <T>(
    method: string,
    path: string,
    body: unknown,
    callOptions: CallOptions | undefined,
  ): Promise<T> => {
    const { credentials, generation } = options.credentials();
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...credentialHeaders(credentials),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const timeout = AbortSignal.timeout(CALL_TIMEOUT_MS);
    const signal =
      callOptions?.signal === undefined ? timeout : AbortSignal.any([callOptions.signal, timeout]);
    const response = await fetch(path, {
      method,
      headers,
      credentials: 'omit',
      signal,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const message = problemText(response.status, parsed);
      if (response.status === 401) options.onUnauthorized(message, generation);
      throw new ApiError(response.status, message);
    }
    return parsed as T;
  };
  return {
    get: (path, callOptions) => call('GET', path, undefined, callOptions),
    post: (path, body, callOptions) => call('POST', path, body ?? {}, callOptions),
    put: (path, body, callOptions) => call('PUT', path, body, callOptions),
  };
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Whether `error` is a call aborted by its caller (not a timeout): nothing to show. */
export function isAborted(error: unknown): boolean {
  return error instanceof DOMException && error.name === 'AbortError';
}

/** The message of a failure, for the page. */
export function failureText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `The coordinator did not answer within ${CALL_TIMEOUT_MS / 1000} s.`;
  }
  if (error instanceof TypeError) return 'The coordinator cannot be reached.';
  return error instanceof Error ? error.message : String(error);
}
