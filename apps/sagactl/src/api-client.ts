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

/**
 * The coordinator's HTTP API as the CLI calls it. Sends the API key as `Authorization: ApiKey`
 * (which fetch drops on a redirect to another origin; redirects are not followed anyway) and
 * never writes it anywhere. Throws a CliError for any answer but a 2xx, and for no answer.
 */
export class ApiClient {
  constructor(
    private readonly connection: Connection,
    /** Where `--verbose` writes each request and its answer (method, URL, status, time). */
    private readonly trace?: (line: string) => void,
  ) {}

  /** The base URL as shown in messages: without credentials, should it carry any. */
  get displayUrl(): string {
    const url = new URL(this.connection.url);
    url.username = '';
    url.password = '';
    return url.href.replace(/\/+$/, '');
  }

  /** `GET path`. */
  get<T>(path: string, query?: QueryParams): Promise<T> {
    return this.send<T>('GET', path, query === undefined ? {} : { query }).then((a) => a.body);
  }

  /** Any request; resolves with a 2xx answer, else throws the CliError its status maps to. */
  async send<T>(method: string, path: string, request: ApiRequest = {}): Promise<ApiAnswer<T>> {
    const target = `${this.connection.url}${path}${queryString(request.query)}`;
    const shown = `${this.displayUrl}${path}${queryString(request.query)}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.connection.apiKey !== undefined) {
      headers['authorization'] = `ApiKey ${this.connection.apiKey}`;
    }
    let body: string | undefined;
    if (request.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.text !== undefined) {
      headers['content-type'] = request.text.contentType;
      body = request.text.body;
    }
    this.trace?.(`> ${method} ${shown}`);
    const began = performance.now();
    const { timeoutMs } = this.connection;
    let response: Response;
    try {
      response = await fetch(target, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw unreachableFailure(error, { method, path, url: this.displayUrl, timeoutMs });
    }
    const answer = await bodyOf(response);
    const took = Math.round(performance.now() - began);
    this.trace?.(`< ${response.status} ${response.statusText} (${took} ms)`);
    if (response.status >= 200 && response.status < 300) {
      return { status: response.status, body: answer as T };
    }
    if (response.status >= 300 && response.status < 400) {
      const location = response.headers.get('location') ?? 'elsewhere';
      throw new CliError(
        EXIT.failed,
        `${this.displayUrl} answered ${response.status} to ${location}: give the coordinator's own URL with --url`,
      );
    }
    throw failureOf({
      method,
      path,
      url: this.displayUrl,
      status: response.status,
      statusText: response.statusText,
      body: answer,
      keyGiven: this.connection.apiKey !== undefined,
      retryAfter: response.headers.get('retry-after'),
    });
  }
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
async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
