import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { LoggerModule } from 'nestjs-pino';
import type { Options as HttpLogOptions } from 'pino-http';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { DynamicModule } from '@nestjs/common';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import { REDACTED } from '#contracts';
import { redactLogFields } from '#logging';

/** Request headers whose values are never logged (names as Node gives them: lower case). */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'x-api-key'];

/**
 * JSON logs through pino for the whole Nest app: one object per line, the active span's trace
 * id when there is one, `LOG_REDACT_PATHS` hidden at any depth up to three (what a saga's own
 * `sensitive` paths cover is redacted where its input is logged), no auth headers; request
 * lines at debug (warn/error for 4xx/5xx), none for health checks and scrapes. On a terminal
 * (or with `LOG_FORMAT=pretty`) the same lines are printed for people: coloured, one per event.
 */
export function loggingModule(
  config: Pick<CoordinatorConfig, 'logLevel' | 'logRedactPaths' | 'logFormat'>,
  isTerminal = process.stdout.isTTY === true,
): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: [httpLogOptions(config), logDestination(logsForPeople(config, isTerminal))],
  });
}

/** Whether lines are printed for people: `LOG_FORMAT=pretty`, or `auto` on a terminal. */
export function logsForPeople(
  config: Pick<CoordinatorConfig, 'logFormat'>,
  isTerminal = process.stdout.isTTY === true,
): boolean {
  return config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTerminal);
}

/** The pino-http options of {@link loggingModule}. */
export function httpLogOptions(
  config: Pick<CoordinatorConfig, 'logLevel' | 'logRedactPaths'>,
): HttpLogOptions {
  return {
    level: config.logLevel,
    // Not pino's `redact`: it clones and censors a request's bindings whenever its child logger
    // is made, every request, logged or not (2.7 % of the coordinator's busy time at 400 POSTs/s;
    // 0.9 % with this serializer, which copies the headers only when a credential is there).
    // The request is a binding of the request's child logger, which `formatters.log` never
    // sees: LOG_REDACT_PATHS are applied to it here.
    serializers: { req: requestSerializer(config.logRedactPaths) },
    autoLogging: { ignore: (request: IncomingMessage) => isQuiet(request.url) },
    // Answered requests are debug lines; refusals and failures stand out.
    customLogLevel: (_request, response, error) =>
      error || response.statusCode >= 500 ? 'error' : response.statusCode >= 400 ? 'warn' : 'debug',
    formatters: { log: redactLogFields(config.logRedactPaths) },
    // A line that names its saga's trace keeps to it alone: the active span then is often of
    // another trace (kafkajs's instrumentation runs each batch under a `poll` span of its own),
    // and its span id would point nowhere in the saga's.
    mixin(line: object) {
      if ('traceId' in line) return {};
      const span = trace.getActiveSpan()?.spanContext();
      return span ? { traceId: span.traceId, spanId: span.spanId } : {};
    },
  };
}

/**
 * Where the lines go: JSON, or lines for people (coloured, the time, level and `[context]`
 * first). Synchronous, so they keep their order with console output and survive process.exit.
 * `destination` is stdout unless a test passes a stream.
 */
export function logDestination(
  forPeople: boolean,
  destination: number | Writable = 1,
): pino.DestinationStream {
  if (!forPeople) {
    return typeof destination === 'number'
      ? pino.destination({ dest: destination, sync: true })
      : destination;
  }
  return pretty({
    destination,
    sync: true,
    colorize: typeof destination === 'number',
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
  });
}

/**
 * The `req` serializer: {@link withoutSecretHeaders}, then `paths` hidden as `formatters.log`
 * hides them in a line's fields, the request being the line's `req` field (`x-token`,
 * `headers.x-token` and `req.headers.x-token` all reach the header `x-token`). A request with
 * nothing to hide comes back as is.
 */
export function requestSerializer(paths: readonly string[]): typeof withoutSecretHeaders {
  if (paths.length === 0) return withoutSecretHeaders;
  const redact = redactLogFields(paths);
  return <T extends { headers?: Record<string, unknown> }>(request: T): T =>
    redact({ req: withoutSecretHeaders(request) }).req as T;
}

/**
 * A request as pino-http's standard serializer gives it (a fresh object, whose `headers` are the
 * request's own), with the secret headers' values replaced by {@link REDACTED}.
 */
export function withoutSecretHeaders<T extends { headers?: Record<string, unknown> }>(
  request: T,
): T {
  const headers = request.headers;
  if (headers === undefined || !SECRET_HEADERS.some((name) => name in headers)) return request;
  const censored = { ...headers };
  for (const name of SECRET_HEADERS) if (name in censored) censored[name] = REDACTED;
  request.headers = censored;
  return request;
}

function isQuiet(url: string | undefined): boolean {
  return url !== undefined && (url.startsWith('/health') || url.startsWith('/metrics'));
}
