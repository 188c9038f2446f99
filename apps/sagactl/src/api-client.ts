import { failureOf, unreachableFailure } from './api-failures.js';
import { CliError, EXIT } from './exit-codes.js';
import type { Connection } from './sagactl-config.js';

/** The parameters of a query string; undefined ones are left out. */
export type QueryParams = Readonly<Record<string, string | number | boolean | undefined>>;

/** A request's query and body: JSON, or text of a media type (a YAML document). */
export interface ApiRequest {
  readonly query?: QueryParams;
  readonly json?: unknown;
  readonly text?: { readonly body: string; readonly contentType: string };
}

/** A successful answer: its status (200, 201, 202) and its body as JSON. */
export interface ApiAnswer<T> {
  readonly status: number;
  readonly body: T;
}

/** What the client needs besides the connection; injected, so that tests need no network. */
export interface ApiClientOptions {
  /** Where `--verbose` writes each request and its answer (method, URL, status, time). */
  readonly trace?: (line: string) => void;
  /** Resolves after `ms` ms: the wait before a GET is tried again. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** The fetch to send with (default: the global one). */
  readonly fetch?: typeof fetch;
}

/** How often a GET is sent at most when it is answered 429 or 503. */
export const GET_TRIES = 3;
/** The longest wait before a GET is tried again, in ms, whatever Retry-After says. */
export const MAX_RETRY_WAIT_MS = 10_000;
/** The wait before a GET is tried again when Retry-After says nothing usable, in ms. */
const DEFAULT_RETRY_WAIT_MS = 1_000;

/**
 * The coordinator's HTTP API as the CLI calls it. Sends the API key as `Authorization: ApiKey`
 * (redirects are not followed) and never writes it anywhere. A GET answered 429 or 503 is tried
 * again after its Retry-After (at most {@link GET_TRIES} times, each wait at most
 * {@link MAX_RETRY_WAIT_MS}); other methods never are, since the first may have been applied.
 * Throws a CliError for any answer but a 2xx with the API's JSON, and for no answer.
 */
export class ApiClient {
  private readonly trace?: (line: string) => void;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly fetch: typeof fetch;

  constructor(
    private readonly connection: Connection,
    options: ApiClientOptions = {},
  ) {
    this.trace = options.trace;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.fetch = options.fetch ?? ((input, init) => fetch(input, init));
  }

  /** The base URL as shown in messages (it carries no credentials: the config refuses them). */
  get displayUrl(): string {
    return this.connection.url;
  }

  /** `GET path`. */
  get<T>(path: string, query?: QueryParams): Promise<T> {
    return this.send<T>('GET', path, query === undefined ? {} : { query }).then((a) => a.body);
  }

  /** Any request; resolves with a 2xx answer, else throws the CliError its status maps to. */
  async send<T>(method: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer<T>> {
    for (let attempt = 1; ; attempt++) {
      const { response, text } = await this.exchange(method, path, request);
      const again = method === 'GET' && (response.status === 429 || response.status === 503);
      if (again && attempt < GET_TRIES) {
        const waitMs = retryWaitOf(response.headers.get('retry-after'));
        this.trace?.(`  answered ${response.status}: trying again in ${waitMs} ms`);
        await this.sleep(waitMs);
        continue;
      }
      return this.answerOf<T>(method, path, response, text);
    }
  }

  /** One request and its answer's text; a CliError (exit 6) when there is none. */
  private async exchange(
    method: string,
    path: string,
    request: ApiRequest,
  ): Promise<{ response: Response; text: string }> {
    const target = `${this.connection.url}${path}${queryString(request.query)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.apiKey !== undefined) {
      headers['authorization'] = `ApiKey ${this.connection.apiKey}`;
    }
    let body: string | undefined;
    if (request.text !== undefined) {
      headers['content-type'] = request.text.contentType;
      body = request.text.body;
    } else if (request.json !== undefined || method !== 'GET') {
      // A change always carries JSON, `{}` when it has nothing to say: the API refuses one
      // without, as it may be a browser's form sent from another site (docs/SECURITY.md).
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json ?? {});
    }
    this.trace?.(`> ${method} ${target}`);
    const began = performance.now();
    const { timeoutMs } = this.connection;
    const failed = { method, path, url: this.connection.url, timeoutMs };
    let response: Response;
    try {
      response = await this.fetch(target, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw unreachableFailure(error, failed);
    }
    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw unreachableFailure(error, failed, 'broke off its answer');
    }
    const took = Math.round(performance.now() - began);
    this.trace?.(`< ${response.status} ${response.statusText} (${took} ms)`);
    return { response, text };
  }

  private answerOf<T>(
    method: string,
    path: string,
    response: Response,
    text: string,
  ): ApiAnswer<T> {
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, body: apiJsonOf(response, text, this.displayUrl) as T };
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location') === null ? 'elsewhere' : 'another place';
      throw new CliError(
        EXIT.failed,
        `${this.displayUrl} answered ${response.status}, sending to ${location}: give the coordinator's own URL with --url`,
      );
    }
    throw failureOf({
      method,
      path,
      url: this.displayUrl,
      status: response.status,
      statusText: response.statusText,
      body: bodyOf(text),
      keyGiven: this.connection.apiKey !== undefined,
      retryAfter: response.headers.get('retry-after'),
    });
  }
}

/** The wait Retry-After asks for (seconds, or an HTTP date), within 0 to MAX_RETRY_WAIT_MS. */
export function retryWaitOf(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return DEFAULT_RETRY_WAIT_MS;
  const seconds = Number(header);
  const ms = Number.isFinite(seconds) ? seconds * 1_000 : Date.parse(header) - now;
  if (Number.isNaN(ms)) return DEFAULT_RETRY_WAIT_MS;
  return Math.min(Math.max(Math.ceil(ms), 0), MAX_RETRY_WAIT_MS);
}

/**
 * The body of a 2xx answer: JSON of a JSON media type, as the API answers; anything else (a
 * proxy's or another server's page) is a CliError (exit 1), not taken for the API's answer.
 */
function apiJsonOf(response: Response, text: string, url: string): unknown {
  const contentType = response.headers.get('content-type');
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const isJson =
    mediaType === 'application/json' || /^application\/[\w.+-]+\+json$/.test(mediaType);
  if (isJson) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Said below.
    }
  }
  const shown = contentType === null ? 'none' : mediaType.slice(0, 60);
  const what = isJson ? ', its body not JSON' : '';
  throw new CliError(
    EXIT.failed,
    `the answer is not the coordinator's API (content-type ${shown}${what}): is ${url} the coordinator?`,
  );
}

/** `/a/b` from segments, each escaped: ids and names never change the path. */
export function pathOf(...segments: readonly (string | number)[]): string {
  return segments.map((segment) => `/${encodeURIComponent(String(segment))}`).join('');
}

function queryString(query: QueryParams | undefined): string {
  if (query === undefined) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** The body as JSON when it is JSON, else its text (a proxy's error page, say). */
function bodyOf(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
