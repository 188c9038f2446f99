import { z } from 'zod';
import { logEnvironment } from '#logging';
import { databaseTimeoutEnvironment, databaseTimeoutsOf, type DatabaseTimeouts } from '#postgres';
import { faultConfigSchema, type FaultConfig } from './faults/fault-config.js';
import {
  notificationChannelsConfigSchema,
  type NotificationChannelsConfig,
} from './notification-channels.js';
import { gatewayConfigSchema, type GatewayConfig } from './payment-gateway.js';
import { SAMPLE_PARTICIPANT_NAMES, type SampleParticipantName } from './sample-participants.js';

const json = z.string().transform((text, context) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    context.addIssue({ code: 'custom', message: 'expected JSON' });
    return z.NEVER;
  }
});
const faultsJson = json.pipe(faultConfigSchema);
const gatewayJson = json.pipe(gatewayConfigSchema);
const notificationChannelsJson = json.pipe(notificationChannelsConfigSchema);

const environmentSchema = z.object({
  KAFKA_BROKERS: z
    .string({ error: 'required: the Kafka bootstrap servers' })
    .regex(/^[^,\s]+:\d+(,[^,\s]+:\d+)*$/, 'expected host:port[,host:port...]'),
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]{0,100}$/, "expected letters, digits, '.', '_' or '-'")
    .default(''),
  TOPIC_PARTITIONS: z.coerce.number().int().min(1).max(1_000).default(3),
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  PARTICIPANT_SCHEMA_PREFIX: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,40}$/, 'expected lowercase letters, digits or _')
    .default('participant_'),
  PARTICIPANTS: z
    .string()
    .transform((text) => text.split(',').map((name) => name.trim()))
    .pipe(z.array(z.enum(SAMPLE_PARTICIPANT_NAMES)).min(1))
    .optional(),
  PARTICIPANT_DEDUPE: z.enum(['true', 'false']).default('true'),
  IDEMPOTENCY_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(1_000)
    .max(10 * 365 * 24 * 3_600_000)
    .default(7 * 24 * 3_600_000),
  PARTICIPANTS_ADMIN_PORT: z.coerce.number().int().min(0).max(65_535).optional(),
  FAULTS: faultsJson.optional(),
  FAULT_SEED: z.coerce.number().int().optional(),
  PAYMENT_GATEWAY: gatewayJson.optional(),
  NOTIFICATION_CHANNELS: notificationChannelsJson.optional(),
  ...databaseTimeoutEnvironment,
  ...logEnvironment,
});

/** The standalone participants' configuration, read from the environment once at start-up. */
export interface ParticipantsConfig {
  /** Kafka bootstrap servers (`KAFKA_BROKERS`, comma-separated host:port). */
  readonly kafkaBrokers: string[];
  /** Environment prefix of topic names (`TOPIC_PREFIX`, default none). */
  readonly topicPrefix: string;
  /** Partitions of the command topics when they are created (`TOPIC_PARTITIONS`, default 3). */
  readonly topicPartitions: number;
  /** Postgres for idempotency keys and ledgers (`DATABASE_URL`; unset: in memory). */
  readonly databaseUrl?: string;
  /**
   * Connect, statement, lock, idle-in-transaction and client query timeouts and TCP keep-alive
   * of the participants' connections (the coordinator's `DATABASE_*_TIMEOUT_MS` variables).
   */
  readonly databaseTimeouts: DatabaseTimeouts;
  /** Each participant's schema is this prefix plus its name (`PARTICIPANT_SCHEMA_PREFIX`, default `participant_`). */
  readonly schemaPrefix?: string;
  /** The participants this process runs (`PARTICIPANTS`, comma-separated; default all). */
  readonly participants?: readonly SampleParticipantName[];
  /**
   * How long answered idempotency records are kept before the background job deletes them
   * (`IDEMPOTENCY_RETENTION_MS`, ms, default 604 800 000: 7 days).
   */
  readonly idempotencyRetentionMs: number;
  /** False turns the kit's deduplication off (`PARTICIPANT_DEDUPE=false`, for the checker's own test). */
  readonly dedupe?: boolean;
  /** Port of the fault admin endpoint (`PARTICIPANTS_ADMIN_PORT`; unset: none, 0: any free port). */
  readonly adminPort?: number;
  /** Faults to inject from the start (`FAULTS`, JSON by participant; default none). */
  readonly faults?: FaultConfig;
  /** Seed of the fault draws (`FAULT_SEED`; default: drawn at start-up); also seeds the simulated providers'. */
  readonly faultSeed?: number;
  /**
   * The payment's simulated gateway and its circuit breaker (`PAYMENT_GATEWAY`, JSON:
   * `latencyMs`, `failureRate`, `breaker: { timeoutMs, errorThresholdPercentage,
   * resetTimeoutMs, volumeThreshold, rollingWindowMs }`; default: always answers at once).
   */
  readonly paymentGateway?: GatewayConfig;
  /**
   * The notification's simulated channels and the email's circuit breaker
   * (`NOTIFICATION_CHANNELS`, JSON: `email: { latencyMs, failureRate }`, `sms: { latencyMs,
   * failureRate }`, `breaker: { ... }` as for the gateway; default: both always answer at once).
   */
  readonly notificationChannels?: NotificationChannelsConfig;
  /** Least severe level of the JSON logs (`LOG_LEVEL`, default `info`). */
  readonly logLevel: string;
  /** Fields hidden in every log line (`LOG_REDACT_PATHS`, comma-separated; default none). */
  readonly logRedactPaths: readonly string[];
}

/** Thrown when the environment holds a wrong value; the message names every bad variable. */
export class ParticipantsConfigError extends Error {
  override name = 'ParticipantsConfigError';
}

/** Reads and validates the configuration; values are never echoed (they may hold secrets). */
export function loadParticipantsConfig(
  environment: Record<string, string | undefined>,
): ParticipantsConfig {
  const parsed = environmentSchema.safeParse(environment);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ParticipantsConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const env = parsed.data;
  const problems: string[] = [];
  const databaseTimeouts = databaseTimeoutsOf(env, problems);
  if (problems.length > 0) {
    throw new ParticipantsConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return {
    kafkaBrokers: env.KAFKA_BROKERS.split(','),
    topicPrefix: env.TOPIC_PREFIX,
    topicPartitions: env.TOPIC_PARTITIONS,
    ...(env.DATABASE_URL === undefined
      ? {}
      : { databaseUrl: env.DATABASE_URL, schemaPrefix: env.PARTICIPANT_SCHEMA_PREFIX }),
    databaseTimeouts,
    ...(env.PARTICIPANTS === undefined ? {} : { participants: env.PARTICIPANTS }),
    idempotencyRetentionMs: env.IDEMPOTENCY_RETENTION_MS,
    ...(env.PARTICIPANT_DEDUPE === 'false' ? { dedupe: false } : {}),
    ...(env.PARTICIPANTS_ADMIN_PORT === undefined
      ? {}
      : { adminPort: env.PARTICIPANTS_ADMIN_PORT }),
    ...(env.FAULTS === undefined ? {} : { faults: env.FAULTS }),
    ...(env.FAULT_SEED === undefined ? {} : { faultSeed: env.FAULT_SEED }),
    ...(env.PAYMENT_GATEWAY === undefined ? {} : { paymentGateway: env.PAYMENT_GATEWAY }),
    ...(env.NOTIFICATION_CHANNELS === undefined
      ? {}
      : { notificationChannels: env.NOTIFICATION_CHANNELS }),
    logLevel: env.LOG_LEVEL,
    logRedactPaths: env.LOG_REDACT_PATHS,
  };
}
