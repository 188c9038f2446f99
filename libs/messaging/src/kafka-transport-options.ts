import type { ConsumerConfig, KafkaConfig, RetryOptions } from 'kafkajs';
import { resolveBackoff, type Backoff, type BackoffOptions } from './retry-backoff.js';

/** How kafkajs retries a failed broker request (connect, metadata, produce, join, commit). */
export interface KafkaRetryOptions {
  /** Retries after the first try; an integer ≥ 0 (default 5). */
  readonly retries?: number;
  /** First wait, in ms (default 300); kafkajs randomises every wait by ±20 %. */
  readonly initialRetryTimeMs?: number;
  /** Cap on one wait, in ms (default 30 000). */
  readonly maxRetryTimeMs?: number;
  /** Factor between two waits (default 2). */
  readonly multiplier?: number;
}

/** Consumer tuning; the defaults suit production, tests shorten the timeouts. */
export interface KafkaConsumerOptions {
  /** Silence after which the broker evicts a member, in ms (default 10 000; brokers accept 6 000–300 000 unless configured otherwise). */
  readonly sessionTimeoutMs?: number;
  /** Heartbeat period, in ms (default 1 000); under a third of sessionTimeoutMs. */
  readonly heartbeatIntervalMs?: number;
  /** How long the broker waits for every member to rejoin in a rebalance, in ms (default 60 000). */
  readonly rebalanceTimeoutMs?: number;
  /** Longest a fetch waits at the broker for new messages, in ms (default 1 000). It bounds how soon a paused or revoked consumer notices. */
  readonly maxWaitTimeMs?: number;
  /** Most messages in one handler call (default 100): a fetched batch is cut into chunks, with a commit and a heartbeat after each. */
  readonly maxBatchSize?: number;
  /** Bytes fetched per partition and request (default 1 MiB). */
  readonly maxBytesPerPartition?: number;
  /**
   * Bytes a fetch waits for, up to maxWaitTimeMs, before the broker answers (default 1: at
   * once). More makes fewer, fuller fetches under load: less CPU for the broker and the client,
   * at most maxWaitTimeMs more latency when the load is light.
   */
  readonly minBytes?: number;
  /** Whether fetches wait for fuller batches under load only (default: never; see WaitUnderLoad). */
  readonly waitUnderLoad?: WaitUnderLoad;
  /**
   * Partitions whose batches are handled at the same time (default 1). Above 1 the handler
   * must accept concurrent calls for different partitions.
   */
  readonly partitionsConsumedConcurrently?: number;
  /** Back-off between retries of a batch whose handler threw (defaults: 100 ms doubling up to 30 s). */
  readonly handlerRetry?: BackoffOptions;
  /**
   * Dead-letter at once, never handing it to the handler, a message whose key, value or a header
   * of the contract (HEADERS) is not valid UTF-8, and hand the others over without their other
   * headers that are not (default false: bad bytes are read as U+FFFD).
   */
  readonly requireUtf8?: boolean;
  /**
   * Without requireUtf8: mark a message whose key, value or a header is not valid UTF-8 (read as
   * U+FFFD) `bytesReplaced` (default false: not checked, a cost per message only its reader
   * needs, the dead-letter index).
   */
  readonly markReplacedBytes?: boolean;
  /**
   * Longest wait before a crashed consumer starts again, in ms (default 5 000; the waits grow
   * from the retry's initial time): short, so that a consumer is back within seconds of its
   * broker, while the reply timeouts wait for it.
   */
  readonly restartMaxDelayMs?: number;
}

/**
 * Fuller batches under load, without latency when the load is light. While the records handed
 * in over the last second number at least `fromRecordsPerSecond`, the consumer fetches again
 * only once `minBytes` could have come at that rate since its last batch came in, and at most
 * `maxWaitMs` after; below that rate it fetches again at once. Pair it with `minBytes` 1, so
 * that the broker answers a fetch as soon as a record is there (kafkajs asks every fetch for
 * the same minimum, so the broker cannot wait under load only).
 *
 * The rate and the bytes are the consumer's, over every partition: with partitions on several
 * brokers, each broker's fetch is held as long and brings its share. Each batch waits from
 * when its handling began: with more partitions than `partitionsConsumedConcurrently`, the
 * batches of one fetch wait one after another.
 */
export interface WaitUnderLoad {
  /** Records per second from which fetches wait (0: always). */
  readonly fromRecordsPerSecond: number;
  /** Bytes (keys, values and headers, about what the broker counts) a wait is for. */
  readonly minBytes: number;
  /** Longest wait, in ms, from when the batch came in. */
  readonly maxWaitMs: number;
}

/**
 * How one consumer batches: how its fetches wait for data (Kafka only), the largest batch a
 * handler gets, and how many partitions' batches it handles at once (see KafkaConsumerOptions).
 */
export type ConsumerTuning = Pick<
  KafkaConsumerOptions,
  | 'minBytes'
  | 'maxWaitTimeMs'
  | 'waitUnderLoad'
  | 'maxBatchSize'
  | 'partitionsConsumedConcurrently'
  | 'requireUtf8'
  | 'markReplacedBytes'
>;

/** Producer tuning. */
export interface KafkaProducerOptions {
  /** Retries of one publish before it rejects (default: 5 retries, 300 ms doubling up to 30 s). */
  readonly retry?: KafkaRetryOptions;
  /** How long the broker may wait for all in-sync replicas to acknowledge, in ms (default 30 000). */
  readonly ackTimeoutMs?: number;
}

/** Levels kafkajs's own log lines may have to be passed on (default `warn`). */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';

/** Everything the kafkajs transport needs; secrets (ssl keys, sasl) are passed to kafkajs, never logged. */
export interface KafkaTransportOptions {
  /** Bootstrap servers, `host:port`. */
  readonly brokers: readonly string[];
  /** Names this client in broker logs and quotas. */
  readonly clientId: string;
  /** TLS: `true` for the system CAs, or Node TLS options (CA, client certificate). */
  readonly ssl?: KafkaConfig['ssl'];
  /** SASL mechanism and credentials (plain, scram-sha-256/512, aws, oauthbearer). */
  readonly sasl?: KafkaConfig['sasl'];
  /** Time to open a connection, in ms (default 3 000). */
  readonly connectionTimeoutMs?: number;
  /** Time for one request to be answered, in ms (default 30 000). */
  readonly requestTimeoutMs?: number;
  /** Retries of broker requests made by the admin client and the consumers. */
  readonly retry?: KafkaRetryOptions;
  readonly producer?: KafkaProducerOptions;
  /** Defaults of every consumer; `createConsumer` may override them one by one. */
  readonly consumer?: KafkaConsumerOptions;
  /** Replication factor of topics created by ensureTopics (default: the broker's `default.replication.factor`). */
  readonly replicationFactor?: number;
  /** Level of kafkajs's own logs passed to the transport logger (default `warn`). */
  readonly logLevel?: KafkaLogLevel;
}

/** Retry options with every default filled in. */
export type ResolvedKafkaRetry = Required<KafkaRetryOptions>;

/** Consumer options with every default filled in. */
export interface ResolvedKafkaConsumerOptions {
  readonly sessionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly restartMaxDelayMs: number;
  readonly maxWaitTimeMs: number;
  readonly maxBatchSize: number;
  readonly maxBytesPerPartition: number;
  readonly minBytes: number;
  readonly waitUnderLoad: WaitUnderLoad | undefined;
  readonly partitionsConsumedConcurrently: number;
  readonly handlerRetry: Backoff;
  readonly requireUtf8: boolean;
  readonly markReplacedBytes: boolean;
}

/** Transport options with every default filled in and every number checked. */
export interface ResolvedKafkaTransportOptions {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly ssl?: KafkaConfig['ssl'];
  readonly sasl?: KafkaConfig['sasl'];
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly retry: ResolvedKafkaRetry;
  readonly producer: { readonly retry: ResolvedKafkaRetry; readonly ackTimeoutMs: number };
  readonly consumer: ResolvedKafkaConsumerOptions;
  /** -1: the broker's default. */
  readonly replicationFactor: number;
  readonly logLevel: KafkaLogLevel;
}

const DEFAULT_RETRY: ResolvedKafkaRetry = {
  retries: 5,
  initialRetryTimeMs: 300,
  maxRetryTimeMs: 30_000,
  multiplier: 2,
};

// A 10 s session (kafkajs: 30 s): a member that crashed, or lost its broker, is replaced by the
// broker within 10 s, so a participant is back soon after a broker restart.
const DEFAULT_CONSUMER: Omit<ResolvedKafkaConsumerOptions, 'handlerRetry' | 'waitUnderLoad'> = {
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 60_000,
  maxWaitTimeMs: 1_000,
  maxBatchSize: 100,
  maxBytesPerPartition: 1_048_576,
  minBytes: 1,
  partitionsConsumedConcurrently: 1,
  requireUtf8: false,
  markReplacedBytes: false,
  restartMaxDelayMs: 5_000,
};

/** Throws a RangeError naming `field` unless `value` is an integer in [min, max]. */
function checkInteger(field: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field} must be an integer between ${min} and ${max}`);
  }
}

function resolveRetry(field: string, options: KafkaRetryOptions = {}): ResolvedKafkaRetry {
  const retry = { ...DEFAULT_RETRY, ...options };
  checkInteger(`${field}.retries`, retry.retries, 0);
  checkInteger(`${field}.initialRetryTimeMs`, retry.initialRetryTimeMs, 1);
  checkInteger(`${field}.maxRetryTimeMs`, retry.maxRetryTimeMs, retry.initialRetryTimeMs);
  if (!Number.isFinite(retry.multiplier) || retry.multiplier < 1) {
    throw new RangeError(`${field}.multiplier must be a number ≥ 1`);
  }
  return retry;
}

/** Fills in the consumer defaults of `base`, then `overrides`, and checks them. */
export function resolveConsumerOptions(
  overrides: KafkaConsumerOptions = {},
  base: KafkaConsumerOptions = {},
): ResolvedKafkaConsumerOptions {
  const merged = { ...DEFAULT_CONSUMER, ...base, ...overrides };
  const consumer: ResolvedKafkaConsumerOptions = {
    sessionTimeoutMs: merged.sessionTimeoutMs,
    heartbeatIntervalMs: merged.heartbeatIntervalMs,
    rebalanceTimeoutMs: merged.rebalanceTimeoutMs,
    restartMaxDelayMs: merged.restartMaxDelayMs,
    maxWaitTimeMs: merged.maxWaitTimeMs,
    maxBatchSize: merged.maxBatchSize,
    maxBytesPerPartition: merged.maxBytesPerPartition,
    minBytes: merged.minBytes,
    waitUnderLoad: merged.waitUnderLoad,
    partitionsConsumedConcurrently: merged.partitionsConsumedConcurrently,
    requireUtf8: merged.requireUtf8 === true,
    markReplacedBytes: merged.markReplacedBytes === true,
    handlerRetry: resolveBackoff(
      { ...base.handlerRetry, ...overrides.handlerRetry },
      'consumer.handlerRetry',
    ),
  };
  checkInteger('consumer.sessionTimeoutMs', consumer.sessionTimeoutMs, 1);
  checkInteger('consumer.heartbeatIntervalMs', consumer.heartbeatIntervalMs, 1);
  if (consumer.heartbeatIntervalMs * 3 > consumer.sessionTimeoutMs) {
    throw new RangeError(
      'consumer.heartbeatIntervalMs must be at most a third of sessionTimeoutMs',
    );
  }
  checkInteger('consumer.rebalanceTimeoutMs', consumer.rebalanceTimeoutMs, 1);
  checkInteger('consumer.restartMaxDelayMs', consumer.restartMaxDelayMs, 1);
  checkInteger('consumer.maxWaitTimeMs', consumer.maxWaitTimeMs, 0);
  checkInteger('consumer.maxBatchSize', consumer.maxBatchSize, 1);
  checkInteger('consumer.maxBytesPerPartition', consumer.maxBytesPerPartition, 1);
  checkInteger('consumer.minBytes', consumer.minBytes, 1);
  if (consumer.waitUnderLoad !== undefined) {
    const { fromRecordsPerSecond, minBytes, maxWaitMs } = consumer.waitUnderLoad;
    checkInteger('consumer.waitUnderLoad.fromRecordsPerSecond', fromRecordsPerSecond, 0);
    checkInteger('consumer.waitUnderLoad.minBytes', minBytes, 1);
    checkInteger('consumer.waitUnderLoad.maxWaitMs', maxWaitMs, 0);
  }
  checkInteger(
    'consumer.partitionsConsumedConcurrently',
    consumer.partitionsConsumedConcurrently,
    1,
    1_000,
  );
  return consumer;
}

/** Fills in every default and checks every value; throws an Error naming the bad field. */
export function resolveKafkaTransportOptions(
  options: KafkaTransportOptions,
): ResolvedKafkaTransportOptions {
  if (!Array.isArray(options.brokers) || options.brokers.length === 0) {
    throw new TypeError('brokers must list at least one host:port');
  }
  for (const broker of options.brokers) {
    if (!/^[^\s:,]+:\d{1,5}$/.test(broker)) {
      throw new TypeError(`brokers: expected host:port, got ${JSON.stringify(broker)}`);
    }
  }
  if (typeof options.clientId !== 'string' || options.clientId.trim() === '') {
    throw new TypeError('clientId must be a non-empty string');
  }
  if (typeof options.ssl === 'object' && options.ssl.rejectUnauthorized === false) {
    throw new TypeError('ssl.rejectUnauthorized: certificate checks cannot be turned off');
  }
  const resolved: ResolvedKafkaTransportOptions = {
    brokers: [...options.brokers],
    clientId: options.clientId,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
    connectionTimeoutMs: options.connectionTimeoutMs ?? 3_000,
    requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
    retry: resolveRetry('retry', options.retry),
    producer: {
      retry: resolveRetry('producer.retry', options.producer?.retry),
      ackTimeoutMs: options.producer?.ackTimeoutMs ?? 30_000,
    },
    consumer: resolveConsumerOptions(options.consumer),
    replicationFactor: options.replicationFactor ?? -1,
    logLevel: options.logLevel ?? 'warn',
  };
  checkInteger('connectionTimeoutMs', resolved.connectionTimeoutMs, 1);
  checkInteger('requestTimeoutMs', resolved.requestTimeoutMs, 1);
  checkInteger('producer.ackTimeoutMs', resolved.producer.ackTimeoutMs, 1);
  if (resolved.replicationFactor !== -1) {
    checkInteger('replicationFactor', resolved.replicationFactor, 1, 32_767);
  }
  if (!['nothing', 'error', 'warn', 'info', 'debug'].includes(resolved.logLevel)) {
    throw new TypeError('logLevel must be one of nothing, error, warn, info, debug');
  }
  return resolved;
}

/** The kafkajs form of retry options. */
export function toKafkaRetry(retry: ResolvedKafkaRetry): RetryOptions {
  return {
    retries: retry.retries,
    initialRetryTime: retry.initialRetryTimeMs,
    maxRetryTime: retry.maxRetryTimeMs,
    multiplier: retry.multiplier,
  };
}

/** The kafkajs client configuration (logging is attached by the caller). */
export function toKafkaConfig(options: ResolvedKafkaTransportOptions): KafkaConfig {
  return {
    brokers: [...options.brokers],
    clientId: options.clientId,
    ...(options.ssl !== undefined ? { ssl: options.ssl } : {}),
    ...(options.sasl !== undefined ? { sasl: options.sasl } : {}),
    connectionTimeout: options.connectionTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    retry: toKafkaRetry(options.retry),
  };
}

/** The kafkajs consumer configuration of one group; topics are never created by a consumer. */
export function toConsumerConfig(
  groupId: string,
  consumer: ResolvedKafkaConsumerOptions,
  retry: ResolvedKafkaRetry,
): ConsumerConfig {
  return {
    groupId,
    sessionTimeout: consumer.sessionTimeoutMs,
    heartbeatInterval: consumer.heartbeatIntervalMs,
    rebalanceTimeout: consumer.rebalanceTimeoutMs,
    maxWaitTimeInMs: consumer.maxWaitTimeMs,
    maxBytesPerPartition: consumer.maxBytesPerPartition,
    minBytes: consumer.minBytes,
    allowAutoTopicCreation: false,
    retry: toKafkaRetry(retry),
  };
}

/** A summary safe to log: where and how the transport connects, with no credential in it. */
export function describeKafkaTransport(options: ResolvedKafkaTransportOptions): {
  brokers: string[];
  clientId: string;
  tls: boolean;
  saslMechanism: string | null;
} {
  return {
    brokers: [...options.brokers],
    clientId: options.clientId,
    tls: options.ssl !== undefined && options.ssl !== false,
    saslMechanism: options.sasl ? String(options.sasl.mechanism) : null,
  };
}
