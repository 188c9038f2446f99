import { logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { KafkaLogLevel } from './kafka-transport-options.js';
import type { TransportLogger, TransportLogLevel } from './transport-logger.js';

/**
 * Fields of a kafkajs log entry that are passed on. Everything else is dropped: some entries
 * carry request payloads, offsets maps or the message a handler failed on, and message values
 * may hold secrets.
 */
const SAFE_FIELDS = [
  'broker',
  'clientId',
  'correlationId',
  'eventName',
  'generationId',
  'groupId',
  'memberId',
  'nodeId',
  'offset',
  'partition',
  'retryCount',
  'retryTime',
  'topic',
] as const;

/**
 * kafkajs warns about bounded retries on an idempotent producer because they weaken
 * exactly-once; this transport promises at least once and replaces its producer after a failed
 * publish (see KafkaMessagePublisher), so the warning would only alarm operators.
 */
const DOWNGRADED_WARNINGS = ['Limiting retries for the idempotent producer'];

/**
 * kafkajs's connection logs every error response (a rebalance in progress, an unknown topic
 * while metadata settles) at ERROR before handing it to the caller, which retries it or reports
 * the outcome; at ERROR they would drown the real failures, so they go out as debug.
 */
function isRoutineResponseError(entry: LogEntry): boolean {
  return entry.namespace === 'Connection' && String(entry.log.message).startsWith('Response ');
}

/** The kafkajs level for an option value. */
export function toKafkaLogLevel(level: KafkaLogLevel): logLevel {
  const levels: Record<KafkaLogLevel, logLevel> = {
    nothing: logLevel.NOTHING,
    error: logLevel.ERROR,
    warn: logLevel.WARN,
    info: logLevel.INFO,
    debug: logLevel.DEBUG,
  };
  return levels[level];
}

function transportLevel(level: logLevel): TransportLogLevel {
  if (level <= logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

/** Keeps the safe fields of an entry; an error is reduced to its name and message. */
export function safeLogFields(entry: LogEntry): Record<string, unknown> {
  const { log } = entry;
  const fields: Record<string, unknown> = { component: `kafkajs.${entry.namespace}` };
  for (const name of SAFE_FIELDS) {
    const value: unknown = log[name];
    if (typeof value === 'string' || typeof value === 'number') fields[name] = value;
  }
  const error: unknown = log.error;
  if (error instanceof Error) fields.error = `${error.name}: ${error.message}`;
  else if (typeof error === 'string') fields.error = error;
  return fields;
}

/** A kafkajs log creator that forwards entries to `logger` with only the safe fields. */
export function createKafkaLogCreator(logger: TransportLogger): logCreator {
  return () => (entry: LogEntry) => {
    const message = String(entry.log.message);
    const downgraded =
      isRoutineResponseError(entry) ||
      DOWNGRADED_WARNINGS.some((prefix) => message.startsWith(prefix));
    const level = downgraded ? 'debug' : transportLevel(entry.level);
    logger.log(level, message, safeLogFields(entry));
  };
}
