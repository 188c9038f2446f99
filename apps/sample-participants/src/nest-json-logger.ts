import type { LoggerService } from '@nestjs/common';
import type { StructuredLogger } from '#logging';

/**
 * Nest's own log lines (start-up, microservices started) written through `logger`, so the
 * participants' process keeps one JSON line per entry. Nest passes the context (the class that
 * logs) as the last extra argument; it becomes the `context` field.
 */
export function nestJsonLogger(logger: StructuredLogger): LoggerService {
  const write =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (message: unknown, ...extras: unknown[]) => {
      const context = extras.at(-1);
      logger.log(level, String(message), typeof context === 'string' ? { context } : {});
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
