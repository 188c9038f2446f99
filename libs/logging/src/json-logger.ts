import { pino, type DestinationStream } from 'pino';
import type { StructuredLogger } from './structured-logger.js';
import { redactLogFields } from './log-redaction.js';

/** Options of {@link createJsonLogger}. */
export interface JsonLoggerOptions {
  /** Least severe level written (`LOG_LEVEL`). */
  readonly level: string;
  /** Fields hidden in every line (`LOG_REDACT_PATHS`). */
  readonly redactPaths: readonly string[];
  /** Where lines go (default: stdout, written synchronously). */
  readonly destination?: DestinationStream;
}

/**
 * A pino logger behind the `log(level, message, fields)` shape that the Kafka transport and the
 * participant kit log through: one JSON object per line, with redaction.
 */
export function createJsonLogger(options: JsonLoggerOptions): StructuredLogger {
  const logger = pino(
    {
      level: options.level,
      formatters: { log: redactLogFields(options.redactPaths) },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
  return { log: (level, message, fields = {}) => logger[level](fields, message) };
}
