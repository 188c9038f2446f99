import type { LoggerService } from '@nestjs/common';
import type { StructuredLogger } from '#logging';

/**
 * Nest's own log lines (start-up, microservices started) written through `logger`, so the
 * participants' process keeps one JSON line per entry. Nest passes the context (the class that
 * logs) as the last extra argument, and with an error its stack before it: they become the
 * `context` and `stack` fields.
 */
export function nestJsonLogger(logger: StructuredLogger): LoggerService {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: unknown, ...extras: unknown[]) => {
      const context = extras.length > 0 ? extras.at(-1) : undefined;
      const stack = extras.length > 1 ? extras.at(-2) : undefined;
      logger.log(level, String(message), {
        ...(typeof context === 'string' ? { context } : {}),
        ...(typeof stack === 'string' ? { stack } : {}),
      });
    };
  return {
    log: write('info'),
    error: write('error'),
    warn: write('warn'),
    debug: write('debug'),
    verbose: write('debug'),
    fatal: write('error'),
  };
}
