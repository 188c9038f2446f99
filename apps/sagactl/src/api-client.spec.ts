import { ApiClient, retryWaitOf } from './api-client.js';
import { CliError, EXIT } from './exit-codes.js';

const connection = { url: 'http://coordinator:3000', apiKey: 'k-1', timeoutMs: 1_000 };
const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

/** A fetch that answers from `answers` in turn, and the requests it was sent. */
function fakeFetch(...answers: (() => Response)[]) {
  const sent: { url: string; method: string; headers: Headers; body?: unknown }[] = [];
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    sent.push({
      url: String(input),
      method: init?.method ?? 'GET',
      headers: new Headers(init?.headers),
      ...(init?.body === undefined ? {} : { body: init.body }),
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error('no answer left');
    return Promise.resolve(answer());
  };
  return { fetch: fetch as typeof globalThis.fetch, sent };
}

function clientWith(answers: (() => Response)[]) {
  const { fetch, sent } = fakeFetch(...answers);
  const waits: number[] = [];
  const sleep = (ms: number) => {
    waits.push(ms);
    return Promise.resolve();
  };
  return { api: new ApiClient(connection, { fetch, sleep }), sent, waits };
}

async function failureOf(request: Promise<unknown>): Promise<CliError> {
  try {
    await request;
  } catch (error) {
    if (error instanceof CliError) return error;
    throw error;
  }
  throw new Error('resolved');
}

describe('ApiClient', () => {
  it("takes a 2xx answer with the API's JSON", async () => {
    const { api, sent } = clientWith([() => json(200, { items: [] })]);
    await expect(api.get('/sagas', { limit: 2 })).resolves.toEqual({ items: [] });
    expect(sent).toMatchObject([{ url: 'http://coordinator:3000/sagas?limit=2', method: 'GET' }]);
  });

  it("refuses a 2xx answer that is not the API's JSON (exit 1)", async () => {
    const page = () =>
      new Response('<html>login</html>', { headers: { 'content-type': 'text/html' } });
    const html = await failureOf(clientWith([page]).api.get('/sagas'));
    expect(html.exitCode).toBe(EXIT.failed);
    expect(html.message).toContain(
      "the answer is not the coordinator's API (content-type text/html)",
    );
    const broken = () =>
      new Response('{"items": [', { headers: { 'content-type': 'application/json' } });
    const cut = await failureOf(clientWith([broken]).api.get('/sagas'));
    expect(cut.message).toContain('(content-type application/json, its body not JSON)');
    const none = await failureOf(clientWith([() => new Response('{}')]).api.get('/sagas'));
    expect(none.message).toContain('(content-type text/plain');
  });

  it('says an answer whose body broke off is unavailable (exit 6)', async () => {
    const broken = () => {
      const response = json(200, {});
      Object.defineProperty(response, 'text', {
        value: () => Promise.reject(new TypeError('terminated', { cause: { code: 'ECONNRESET' } })),
      });
      return response;
    };
    const failure = await failureOf(clientWith([broken]).api.get('/sagas'));
    expect(failure).toMatchObject({
      exitCode: EXIT.unavailable,
      message:
        'the coordinator at http://coordinator:3000 broke off its answer: no connection (ECONNRESET)',
    });
  });

  it('tries a GET again after a 429 or a 503, as Retry-After says, within bounds', async () => {
    const { api, sent, waits } = clientWith([
      () => json(429, { message: 'slow down' }, { 'retry-after': '2' }),
      () => json(503, { message: 'busy' }, { 'retry-after': '3600' }),
      () => json(200, { items: ['x'] }),
    ]);
    await expect(api.get('/sagas')).resolves.toEqual({ items: ['x'] });
    expect(sent).toHaveLength(3);
    expect(waits).toEqual([2_000, 10_000]);
  });

  it('gives up after three tries, with the last answer (exit 6)', async () => {
    const busy = () => json(429, { message: 'slow down' }, { 'retry-after': '1' });
    const { api, sent } = clientWith([busy, busy, busy, busy]);
    const failure = await failureOf(api.get('/sagas'));
    expect(failure.exitCode).toBe(EXIT.unavailable);
    expect(sent).toHaveLength(3);
  });

  it('sends a change with nothing to say as JSON {}, so that no browser form can pass for it', async () => {
    const { api, sent } = clientWith([
      () => json(200, { operationId: 'op-1' }),
      () => json(200, { items: [] }),
    ]);
    await api.send('POST', '/bulk-operations/op-1/stop');
    await api.get('/sagas');
    expect(sent[0]).toMatchObject({ method: 'POST', body: '{}' });
    expect(sent[0]!.headers.get('content-type')).toBe('application/json');
    expect(sent[1]!.headers.get('content-type')).toBeNull();
    expect(sent[1]).not.toHaveProperty('body');
  });

  it('never sends a POST twice: the first may have been applied', async () => {
    const { api, sent, waits } = clientWith([() => json(503, { message: 'busy' })]);
    const failure = await failureOf(api.send('POST', '/sagas', { json: {} }));
    expect(failure.exitCode).toBe(EXIT.unavailable);
    expect(sent).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});

describe('retryWaitOf', () => {
  it('reads seconds or a date, and keeps the wait from 0 to 10 s', () => {
    expect(retryWaitOf('3')).toBe(3_000);
    expect(retryWaitOf(null)).toBe(1_000);
    expect(retryWaitOf('soon')).toBe(1_000);
    expect(retryWaitOf('-5')).toBe(0);
    expect(retryWaitOf('Fri, 04 Dec 2026 04:00:05 GMT', Date.parse('2026-12-04T04:00:00Z'))).toBe(
      5_000,
    );
  });
});
