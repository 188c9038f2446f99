import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { context, trace } from '@opentelemetry/api';
import { pino } from 'pino';
import { pinoHttp } from 'pino-http';
import { REDACTED } from '#contracts';
import {
  installGlobalTracing,
  SpanCollector,
} from '../../../../libs/tracing/src/span-collector.fixture.js';
import { httpLogOptions, logDestination } from './logging.module.js';

/** What one info line with a context and a field looks like through `logDestination`. */
function printed(forPeople: boolean): string {
  const sink = new PassThrough();
  const chunks: string[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
  pino(logDestination(forPeople, sink)).info(
    { context: 'OutboxRelay', sagaId: 'saga-1' },
    'relay started',
  );
  return chunks.join('');
}

describe('the log destination', () => {
  it('writes one JSON object per line for machines', () => {
    const line = JSON.parse(printed(false)) as Record<string, unknown>;
    expect(line).toMatchObject({ level: 30, context: 'OutboxRelay', msg: 'relay started' });
  });

  it('writes a readable line for people: level, [context], message, then the fields', () => {
    const text = printed(true);
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: \[OutboxRelay\] relay started\n/);
    expect(text).toContain('sagaId: "saga-1"');
    expect(text).not.toContain('{"level"');
  });
});

describe('the request lines', () => {
  const lines: Record<string, unknown>[] = [];
  /** Called with each line as it is written. */
  const watchers = new Set<(line: Record<string, unknown>) => void>();
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => {
      for (const text of chunk.toString().split('\n')) {
        if (!text) continue;
        const line = JSON.parse(text) as Record<string, unknown>;
        lines.push(line);
        for (const watch of watchers) watch(line);
      }
    });
    const logRequest = pinoHttp(
      httpLogOptions({
        logLevel: 'debug',
        logRedactPaths: ['x-forwarded-access-token', 'req.headers.x-partner-token'],
      }),
      sink,
    );
    server = createServer((request, response) => {
      logRequest(request, response);
      if (request.url === '/sagas/missing') request.log.info('no such saga');
      response.statusCode =
        request.url === '/refused' ? 403 : request.url === '/sagas/missing' ? 404 : 202;
      // What the request itself holds once its logger is made: never the censored copy.
      response.end(JSON.stringify(request.headers));
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  /**
   * The line logged for a request to `path` (at `level` when given: the request line, not one
   * logged while it ran), once written (when its answer finishes).
   */
  function lineFor(path: string, level?: number): Promise<Record<string, unknown>> {
    const isIt = (line: Record<string, unknown>) =>
      (line.req as { url?: string })?.url === path && (level === undefined || line.level === level);
    const written = lines.find(isIt);
    if (written) return Promise.resolve(written);
    return new Promise((found) => {
      const watch = (line: Record<string, unknown>) => {
        if (!isIt(line)) return;
        watchers.delete(watch);
        found(line);
      };
      watchers.add(watch);
    });
  }

  /** Sends a request to `path` with `headers`: the headers the handler saw, and the line logged. */
  async function logged(path: string, headers: Record<string, string>, level?: number) {
    const response = await fetch(`${url}${path}`, { method: 'POST', headers });
    const seen = (await response.json()) as Record<string, string>;
    const line = await lineFor(path, level);
    return {
      seen,
      level: line.level,
      headers: (line.req as { headers: Record<string, string> }).headers,
    };
  }

  it('hide the credentials and keep the other headers, leaving the request as it came', async () => {
    const sent = {
      'x-api-key': 'key-secret-1',
      authorization: 'Bearer token-secret-2',
      cookie: 'session=cookie-secret-3',
      'proxy-authorization': 'Basic proxy-secret-4',
      'content-type': 'application/json',
      'user-agent': 'orders/1.0',
    };
    const { seen, ...line } = await logged('/sagas', sent);
    expect(line).toEqual({
      level: 20,
      headers: expect.objectContaining({
        'x-api-key': REDACTED,
        authorization: REDACTED,
        cookie: REDACTED,
        'proxy-authorization': REDACTED,
        'content-type': 'application/json',
        'user-agent': 'orders/1.0',
      }),
    });
    expect(JSON.stringify(lines)).not.toMatch(/secret-\d/);
    expect(seen).toMatchObject(sent);
  });

  it('log a refusal as a warning, without its credentials', async () => {
    const line = await logged('/refused', { 'x-api-key': 'key-secret-5' });
    expect(line).toMatchObject({ level: 40, headers: { 'x-api-key': REDACTED } });
    expect(JSON.stringify(lines)).not.toContain('key-secret-5');
  });

  it('leave a request without credentials as it came', async () => {
    const line = await logged('/plain', { accept: 'application/json' });
    expect(line.headers).toMatchObject({ accept: 'application/json' });
    expect(Object.values(line.headers)).not.toContain(REDACTED);
  });

  it('hide the headers LOG_REDACT_PATHS names, on the request line and the lines logged meanwhile', async () => {
    const sent = {
      'x-forwarded-access-token': 'access-secret-6',
      'x-partner-token': 'partner-secret-7',
      'user-agent': 'console/2.0',
    };
    const { seen, ...line } = await logged('/sagas/missing', sent, 40);
    expect(line.headers).toMatchObject({
      'x-forwarded-access-token': REDACTED,
      'x-partner-token': REDACTED,
      'user-agent': 'console/2.0',
    });
    const during = lines.find((each) => each.msg === 'no such saga');
    expect(during?.req).toMatchObject({
      headers: { 'x-forwarded-access-token': REDACTED, 'x-partner-token': REDACTED },
    });
    expect(JSON.stringify(lines)).not.toMatch(/(access|partner)-secret/);
    expect(seen).toMatchObject(sent);
  });
});

describe('the trace of a log line', () => {
  let uninstall: () => void;
  beforeAll(() => {
    uninstall = installGlobalTracing(new SpanCollector(), { contextManager: true });
  });
  afterAll(() => uninstall());

  /** The line `fields` gives, logged while kafkajs's poll span (a trace of its own) is active. */
  function loggedUnderPoll(fields: Record<string, unknown>): Record<string, unknown> {
    const sink = new PassThrough();
    const lines: string[] = [];
    sink.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
    const { mixin } = httpLogOptions({ logLevel: 'info', logRedactPaths: [] });
    const logger = pino({ mixin }, sink);
    const poll = trace.getTracer('test').startSpan('poll saga.replies');
    context.with(trace.setSpan(context.active(), poll), () => logger.info(fields, 'decided'));
    poll.end();
    return JSON.parse(lines.join('')) as Record<string, unknown>;
  }

  it('names the active span for a line of no trace of its own', () => {
    const line = loggedUnderPoll({ sagaId: 'saga-1' });
    expect(line['traceId']).toMatch(/^[0-9a-f]{32}$/);
    expect(line['spanId']).toMatch(/^[0-9a-f]{16}$/);
  });

  it("keeps a line that names its saga's trace to that trace alone, with no span of another", () => {
    const sagaTrace = 'a'.repeat(32);
    const line = loggedUnderPoll({ sagaId: 'saga-1', traceId: sagaTrace });
    expect(line['traceId']).toBe(sagaTrace);
    expect(line).not.toHaveProperty('spanId');
  });
});
