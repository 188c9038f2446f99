import type { StructuredLogger, StructuredLogLevel } from '#logging';

/** Severity of a transport log line. */
export type TransportLogLevel = StructuredLogLevel;

/** Where the transport logs: the apps' structured logger (never keys, values or credentials). */
export type TransportLogger = StructuredLogger;

/**
 * A logger that writes one JSON object per line: info to stdout, warn/error to stderr; debug
 * lines (routine broker error responses, retries) are dropped.
 */
export const jsonLinesTransportLogger: TransportLogger = {
  log(level, message, fields = {}) {
    if (level === 'debug') return;
    const line = JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields });
    if (level === 'warn' || level === 'error') console.error(line);
    else console.log(line);
  },
};

/** A logger that drops everything (tests that assert on behaviour, not on logs). */
export const silentTransportLogger: TransportLogger = { log: () => undefined };
