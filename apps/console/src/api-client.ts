// The console's only way to the coordinator: same-origin JSON calls with the operator's
// credentials; an error answer becomes an ApiError in words, and a 401 signs the operator out.
import { ApiError, problemText } from './api-problem.js';
import { credentialHeaders, type Credentials } from './credentials.js';

/** The calls the pages make. Paths are the API's, from the origin's root (`/sagas?…`). */
export interface ApiClient {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body?: unknown): Promise<T>;
}

/** Where the client finds the credentials and what it does when the API refuses them. */
export interface ApiClientOptions {
  readonly credentials: () => Credentials | undefined;
  /** Called on a 401, before the call rejects. */
  readonly onUnauthorized: (message: string) => void;
}

/** A client for the coordinator that serves this page. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...credentialHeaders(options.credentials()),
    };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(path, {
      method,
      headers,
      credentials: 'omit',
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const parsed = parseJson(text);
    if (!response.ok) {
      const message = problemText(response.status, parsed);
      if (response.status === 401) options.onUnauthorized(message);
      throw new ApiError(response.status, message);
    }
    return parsed as T;
  };
  return {
    get: (path) => call('GET', path),
    post: (path, body) => call('POST', path, body ?? {}),
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

/** The message of a failure, for the page. */
export function failureText(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'The coordinator cannot be reached.';
  return error instanceof Error ? error.message : String(error);
}
