import type { IncomingMessage } from 'node:http';
import type { Writable } from 'node:stream';
import { trace } from '@opentelemetry/api';
import { LoggerModule } from 'nestjs-pino';
import { pino } from 'pino';
import pretty from 'pino-pretty';
import type { DynamicModule } from '@nestjs/common';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import { redactLogFields } from '#logging';

/** Request headers never logged. */
const SECRET_HEADERS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
];

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
    pinoHttp: [
      {
        level: config.logLevel,
        redact: SECRET_HEADERS,
        autoLogging: { ignore: (request: IncomingMessage) => isQuiet(request.url) },
        // Answered requests are debug lines; refusals and failures stand out.
        customLogLevel: (_request, response, error) =>
          error || response.statusCode >= 500
            ? 'error'
            : response.statusCode >= 400
              ? 'warn'
              : 'debug',
        formatters: { log: redactLogFields(config.logRedactPaths) },
        mixin() {
          const span = trace.getActiveSpan()?.spanContext();
          return span ? { traceId: span.traceId, spanId: span.spanId } : {};
        },
      },
      logDestination(config.logFormat === 'pretty' || (config.logFormat === 'auto' && isTerminal)),
    ],
  });
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

function isQuiet(url: string | undefined): boolean {
  return url !== undefined && (url.startsWith('/health') || url.startsWith('/metrics'));
}
