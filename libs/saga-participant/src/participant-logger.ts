/** Severity of a participant log line. */
export type ParticipantLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Where a participant logs; fields are structured data and never hold payloads or secrets.
 * The coordinator's TransportLogger has the same shape, so either can be passed.
 */
export interface ParticipantLogger {
  log(level: ParticipantLogLevel, message: string, fields?: Record<string, unknown>): void;
}

/** A logger that writes one JSON object per line: debug/info to stdout, warn/error to stderr. */
export const jsonLinesParticipantLogger: ParticipantLogger = {
  log(level, message, fields = {}) {
    const line = JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields });
    if (level === 'warn' || level === 'error') console.error(line);
    else console.log(line);
  },
};

/** A logger that drops everything (tests that assert on behaviour, not on logs). */
export const silentParticipantLogger: ParticipantLogger = { log: () => undefined };
