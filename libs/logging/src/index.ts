export { createJsonLogger, type JsonLoggerOptions } from './json-logger.js';
export { logEnvironment, logsAt, type LogLevel } from './log-environment.js';
export { redactLogFields } from './log-redaction.js';
export type { StructuredLogger, StructuredLogLevel } from './structured-logger.js';
