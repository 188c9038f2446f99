/** Severity of a log line written through a {@link StructuredLogger}. */
export type StructuredLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The one logging shape the libraries write through: a message and structured fields, which
 * never hold message keys, values or credentials. Each app plugs its own logger in (pino).
 */
export interface StructuredLogger {
  log(level: StructuredLogLevel, message: string, fields?: Record<string, unknown>): void;
}
