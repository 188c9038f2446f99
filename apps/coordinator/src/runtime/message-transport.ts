import type { DestinationStream } from 'pino';
import { createJsonLogger, type LogLevel } from '#logging';
import {
  InMemoryTransport,
  KafkaTransport,
  kafkaSecurityOptions,
  type KafkaLogLevel,
  type MessageTransport,
} from '#messaging';
import type { CoordinatorConfig } from '../config/coordinator-config.js';
import { logDestination, logsForPeople } from '../observability/logging.module.js';

/**
 * Kafka when brokers are configured, else the in-process broker of the embedded mode. The
 * transport's lines (kafkajs's included) follow `LOG_LEVEL`, `LOG_REDACT_PATHS` and
 * `LOG_FORMAT` as the app's own do; `destination` is stdout unless a test passes a stream.
 */
export function createMessageTransport(
  config: CoordinatorConfig,
  destination: DestinationStream = logDestination(logsForPeople(config)),
): MessageTransport {
  if (!config.kafkaBrokers) return new InMemoryTransport();
  const logger = createJsonLogger({
    level: config.logLevel,
    redactPaths: config.logRedactPaths,
    destination,
  });
  return new KafkaTransport(
    {
      brokers: config.kafkaBrokers,
      clientId: config.kafkaClientId,
      ...kafkaSecurityOptions(config.security.kafka),
      consumer: {
        sessionTimeoutMs: config.kafkaSessionTimeoutMs,
        heartbeatIntervalMs: Math.max(500, Math.floor(config.kafkaSessionTimeoutMs / 10)),
        rebalanceTimeoutMs: config.kafkaRebalanceTimeoutMs,
      },
      logLevel: kafkaLogLevel(config.logLevel),
    },
    { logger },
  );
}

/**
 * What kafkajs itself emits, one step quieter than the app: its info lines (group joins,
 * connections) are what `LOG_LEVEL=debug` asks for, its debug lines (every request) only trace.
 */
export function kafkaLogLevel(level: LogLevel): KafkaLogLevel {
  const levels: Record<LogLevel, KafkaLogLevel> = {
    silent: 'nothing',
    fatal: 'error',
    error: 'error',
    warn: 'warn',
    info: 'warn',
    debug: 'info',
    trace: 'debug',
  };
  return levels[level];
}
